// Photos a person sends (a milestone's from the console): their type read from their first bytes,
// never from the name or the header a browser sends, and their metadata (EXIF, GPS, XMP, text
// chunks) cut out before they are hashed, stored and published. Pure: bytes in, bytes out.

/** The image types Sauti takes: the three every phone and browser makes and shows. */
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type PhotoType = (typeof PHOTO_TYPES)[number];

/** Largest photo taken (a phone camera's JPEG is 2–5 MB; the ledger keeps every one for good). */
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;

/**
 * A field idea's photo: Collect scales it to this many pixels on its longer side before saving
 * (the form's `orx:max-pixels`), which makes a JPEG of a few hundred kilobytes, and the gateway
 * takes at most MAX_FIELD_PHOTO_BYTES (the ledger's default attachment limit: it travels as a
 * recording does).
 */
export const FIELD_PHOTO_MAX_PIXELS = 1280;
export const MAX_FIELD_PHOTO_BYTES = 2 * 1024 * 1024;

/**
 * A submission's attachment name, as the form's answer and the multipart part both carry it:
 * Collect writes `1700000000000.jpg`, a browser keeps the chosen file's own name (spaces and all).
 * It is only ever a key to match the two, never a path: no slash, no control character, not `.` or `..`.
 */
// eslint-disable-next-line no-control-regex -- control characters are what a name may not hold
export const ATTACHMENT_NAME = /^(?!\.\.?$)[^/\\\u0000-\u001f]{1,200}$/;

/** A photo's digest as it appears in payloads and paths: SHA-256, lower-case hex. */
export const PHOTO_DIGEST = /^[0-9a-f]{64}$/;

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0) => sig.every((x, i) => b[at + i] === x);
const ascii = (b: Uint8Array, at: number, n: number) => String.fromCharCode(...b.subarray(at, at + n));

/** The type the bytes are, by their magic numbers, or null for anything else. */
export function sniffImage(b: Uint8Array): PhotoType | null {
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'image/webp';
  return null;
}

/**
 * The image without its metadata, or null when its structure cannot be walked (then it is
 * refused, not published with whatever it hides). JPEG: only what displays the image is kept —
 * SOI, APP0 JFIF (without a thumbnail), APP2 ICC_PROFILE, APP14 Adobe, the tables, SOFn, each
 * SOS with its entropy-coded data, and EOI — plus an EXIF orientation as a new APP1 holding it
 * alone; every other APPn (EXIF with GPS, XMP, MPF, IPTC, vendors'), COM, and anything after EOI
 * dropped, between a progressive JPEG's scans too. PNG: eXIf, tEXt, zTXt, iTXt, tIME and
 * anything after IEND dropped. WebP: the EXIF and XMP chunks dropped and their flags cleared.
 */
export function stripMetadata(b: Uint8Array, type: PhotoType): Uint8Array | null {
  if (type === 'image/jpeg') return stripJpeg(b);
  if (type === 'image/png') return stripPng(b);
  return stripWebp(b);
}

/**
 * What a JPEG keeps: only the segments a decoder needs to show the image. Every other marker
 * (APP1 EXIF/XMP, APP3–APP13, APP15, COM, an APP2 other than ICC, an APP0 other than JFIF, an
 * APP14 other than Adobe, reserved markers) is dropped, wherever it is, between scans too.
 */
const JPEG_TABLES = new Set([0xc4, 0xcc, 0xdb, 0xdc, 0xdd, 0xde, 0xdf]); // DHT, DAC, DQT, DNL, DRI, DHP, EXP
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
const isRst = (m: number) => m >= 0xd0 && m <= 0xd7;

/**
 * The JPEG's segments, walked from SOI to EOI, kept by the rule above; the entropy-coded data
 * after each SOS is walked too (a 0xFF is followed by 0x00 stuffing or an RSTn inside it; any
 * other marker ends the scan). Nothing after EOI is kept (a phone's motion-photo video, a
 * vendor's trailer). Null when the structure does not walk: no scan, no EOI, a length past the end.
 */
function stripJpeg(b: Uint8Array): Uint8Array | null {
  const out: Uint8Array[] = [b.subarray(0, 2)];
  let scanned = false;
  let oriented = false;
  let i = 2;
  while (i + 2 <= b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    // Fill bytes before a marker.
    if (marker === 0xff) {
      i += 1;
      continue;
    }
    if (marker === 0xd9) {
      if (!scanned) return null;
      out.push(b.subarray(i, i + 2));
      return concat(out);
    }
    // A marker with no length (TEM, RSTn outside a scan, a second SOI) or stuffing outside a scan.
    if (marker === 0x00 || marker === 0x01 || marker === 0xd8 || isRst(marker)) return null;
    if (i + 4 > b.length) return null;
    const length = (b[i + 2]! << 8) | b[i + 3]!;
    const end = i + 2 + length;
    if (length < 2 || end > b.length) return null;
    const data = b.subarray(i + 4, end);
    if (marker === 0xda) {
      // Start of scan: its header, then the entropy-coded data up to the marker that ends it.
      let j = end;
      for (;;) {
        if (j + 1 >= b.length) return null;
        if (b[j] !== 0xff) j += 1;
        else if (b[j + 1] === 0x00 || isRst(b[j + 1]!)) j += 2;
        else break;
      }
      out.push(b.subarray(i, j));
      scanned = true;
      i = j;
      continue;
    }
    if (marker === 0xe0) {
      // JFIF's version, density and thumbnail size; an embedded thumbnail (or JFXX) is not kept.
      if (data.length >= 14 && ascii(data, 0, 5) === 'JFIF\0') {
        const jfif = Uint8Array.from([0xff, 0xe0, 0, 16, ...data.subarray(0, 14)]);
        jfif[16] = 0;
        jfif[17] = 0;
        out.push(jfif);
      }
    } else if (marker === 0xe1) {
      // A phone's portrait photo is stored sideways with an orientation tag: that tag alone is kept.
      const orientation = oriented || scanned ? null : exifOrientation(data);
      if (orientation) {
        out.push(orientationSegment(orientation));
        oriented = true;
      }
    } else if (
      (marker === 0xe2 && data.length >= 12 && ascii(data, 0, 12) === 'ICC_PROFILE\0') ||
      (marker === 0xee && data.length >= 5 && ascii(data, 0, 5) === 'Adobe') ||
      JPEG_TABLES.has(marker) ||
      isSof(marker)
    )
      out.push(b.subarray(i, end));
    i = end;
  }
  return null;
}

/** The EXIF Orientation (2–8) of an APP1 segment's data, or null (none, 1, or not EXIF). */
function exifOrientation(d: Uint8Array): number | null {
  if (d.length < 14 || ascii(d, 0, 6) !== 'Exif\0\0') return null;
  const t = d.subarray(6);
  const le = ascii(t, 0, 2) === 'II';
  if (!le && ascii(t, 0, 2) !== 'MM') return null;
  const u16 = (at: number) => (le ? t[at]! | (t[at + 1]! << 8) : (t[at]! << 8) | t[at + 1]!);
  const u32 = (at: number) => (le ? u16(at) + u16(at + 2) * 65536 : u16(at) * 65536 + u16(at + 2));
  const ifd = u32(4);
  if (ifd + 2 > t.length) return null;
  const n = u16(ifd);
  for (let k = 0; k < n && ifd + 2 + 12 * (k + 1) <= t.length; k++) {
    const at = ifd + 2 + 12 * k;
    if (u16(at) === 0x0112) {
      const v = u16(at + 8);
      return v >= 2 && v <= 8 ? v : null;
    }
  }
  return null;
}

/** An APP1 segment holding one EXIF entry, Orientation, and nothing else. */
function orientationSegment(v: number): Uint8Array {
  const tiff = [0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, v, 0, 0, 0, 0, 0, 0];
  const data = [...'Exif\0\0'].map((c) => c.charCodeAt(0)).concat(tiff);
  return Uint8Array.from([0xff, 0xe1, (data.length + 2) >> 8, (data.length + 2) & 255, ...data]);
}

const DROPPED_PNG = new Set(['eXIf', 'tEXt', 'zTXt', 'iTXt', 'tIME']);

function stripPng(b: Uint8Array): Uint8Array | null {
  const out: Uint8Array[] = [b.subarray(0, 8)];
  let i = 8;
  while (i + 12 <= b.length) {
    const length = ((b[i]! << 24) >>> 0) + (b[i + 1]! << 16) + (b[i + 2]! << 8) + b[i + 3]!;
    const kind = ascii(b, i + 4, 4);
    const end = i + 12 + length;
    if (end > b.length) return null;
    if (!DROPPED_PNG.has(kind)) out.push(b.subarray(i, end));
    i = end;
    if (kind === 'IEND') return concat(out);
  }
  return null;
}

function stripWebp(b: Uint8Array): Uint8Array | null {
  const size = (at: number) => b[at]! + (b[at + 1]! << 8) + (b[at + 2]! << 16) + ((b[at + 3]! << 24) >>> 0);
  if (b.length < 12 || size(4) + 8 > b.length) return null;
  const chunks: Uint8Array[] = [];
  let i = 12;
  const end = size(4) + 8;
  while (i + 8 <= end) {
    const kind = ascii(b, i, 4);
    const next = i + 8 + size(i + 4) + (size(i + 4) % 2);
    if (next > end) return null;
    if (kind !== 'EXIF' && kind !== 'XMP ') {
      const chunk = b.slice(i, next);
      // VP8X's flags say which optional chunks follow: EXIF (bit 3) and XMP (bit 2) no longer do.
      if (kind === 'VP8X' && chunk.length > 8) chunk[8] = chunk[8]! & ~0x0c;
      chunks.push(chunk);
    }
    i = next;
  }
  const body = concat(chunks);
  const header = new Uint8Array(12);
  header.set(b.subarray(0, 12));
  const riff = body.length + 4;
  header.set([riff & 0xff, (riff >> 8) & 0xff, (riff >> 16) & 0xff, (riff >>> 24) & 0xff], 4);
  return concat([header, body]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Why a photo was not taken, for the form to say. */
export type PhotoRefusal = 'too-large' | 'not-an-image' | 'damaged';

/**
 * Checks a photo as sent: at most `maxBytes`, a JPEG, PNG or WebP by its bytes, and a structure
 * its metadata can be cut from. Returns the clean bytes and their type, or why it is refused.
 */
export function cleanPhoto(b: Uint8Array, maxBytes = MAX_PHOTO_BYTES): { data: Uint8Array; contentType: PhotoType } | { refused: PhotoRefusal } {
  if (b.length > maxBytes) return { refused: 'too-large' };
  const type = sniffImage(b);
  if (!type) return { refused: 'not-an-image' };
  const data = stripMetadata(b, type);
  return data ? { data, contentType: type } : { refused: 'damaged' };
}
