// Photos: the type comes from the bytes, and what a phone writes about where and how a photo was
// taken is cut out of JPEG, PNG and WebP before anything is hashed or published.
import { describe, expect, it } from 'vitest';
import { cleanPhoto, MAX_PHOTO_BYTES, sniffImage, stripMetadata } from './photo.ts';
import { jpegWithExif, pngPhoto, webpWithExif } from '../../test/helpers/photos.ts';

const has = (b: Uint8Array, text: string) => Buffer.from(b).includes(Buffer.from(text, 'latin1'));

describe('photos', () => {
  it('knows JPEG, PNG and WebP by their first bytes, and nothing else', () => {
    expect(sniffImage(jpegWithExif())).toBe('image/jpeg');
    expect(sniffImage(pngPhoto())).toBe('image/png');
    expect(sniffImage(webpWithExif())).toBe('image/webp');
    expect(sniffImage(Buffer.from('GIF89a……'))).toBeNull();
    expect(sniffImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'))).toBeNull();
    expect(sniffImage(Buffer.from('<html><script>alert(1)</script>'))).toBeNull();
    expect(sniffImage(Buffer.alloc(0))).toBeNull();
  });

  it('cuts EXIF (GPS), XMP and comments from a JPEG and keeps its colour profile and image data', () => {
    const src = jpegWithExif();
    const out = stripMetadata(src, 'image/jpeg')!;
    expect(has(src, 'GPSLatitude')).toBe(true);
    expect(has(out, 'GPSLatitude')).toBe(false);
    expect(has(out, 'taken at home')).toBe(false);
    expect(has(out, 'JFIF')).toBe(true);
    expect(has(out, 'ICC_PROFILE')).toBe(true);
    // The orientation alone survives, in an APP1 of its own (a portrait photo stays upright).
    const app1 = Buffer.from(out).indexOf(Buffer.from([0xff, 0xe1]));
    expect(app1).toBeGreaterThan(0);
    expect(
      Buffer.from(out)
        .subarray(app1 + 4, app1 + 4 + 6)
        .toString('latin1'),
    ).toBe('Exif\0\0');
    expect(Buffer.from(out).readUInt16BE(app1 + 2)).toBe(2 + 6 + 26);
    expect(Buffer.from(out).readUInt16BE(app1 + 4 + 6 + 18)).toBe(6);
    // Upright already (1): no EXIF at all.
    const upright = stripMetadata(jpegWithExif(1), 'image/jpeg')!;
    expect(Buffer.from(upright).includes(Buffer.from([0xff, 0xe1]))).toBe(false);
    // Everything from the start of scan on is unchanged.
    const scan = src.indexOf(Buffer.from([0xff, 0xda]));
    expect(
      Buffer.from(out)
        .subarray(out.length - (src.length - scan))
        .equals(src.subarray(scan)),
    ).toBe(true);
  });

  // JPEGs built marker by marker: what displays the image, with metadata a phone or an editor
  // writes around it (and between a progressive JPEG's scans, and after its end).
  const seg = (marker: number, data: Buffer | string) => {
    const d = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    return Buffer.concat([Buffer.from([0xff, marker, (d.length + 2) >> 8, (d.length + 2) & 255]), d]);
  };
  const SOI = Buffer.from([0xff, 0xd8]);
  const EOI = Buffer.from([0xff, 0xd9]);
  const jfif = seg(0xe0, 'JFIF\0\x01\x01\0\0\x01\0\x01\0\0');
  const icc = seg(0xe2, 'ICC_PROFILE\0\x01\x01colour');
  const adobe = seg(0xee, 'Adobe\0\x64\0\0\0\0\x01');
  const dqt = seg(0xdb, Buffer.concat([Buffer.from([0]), Buffer.alloc(64, 1)]));
  const frame = (sof: number) => seg(sof, Buffer.from([8, 0, 16, 0, 16, 3, 1, 0x22, 0, 2, 0x11, 0, 3, 0x11, 0]));
  const dht = seg(0xc4, Buffer.concat([Buffer.from([0x00, 0, 1]), Buffer.alloc(14), Buffer.from([5])]));
  const dri = seg(0xdd, Buffer.from([0, 4]));
  const sos = (spectral: [number, number]) => seg(0xda, Buffer.from([3, 1, 0, 2, 0x11, 3, 0x11, ...spectral, 0]));
  // Entropy-coded data: 0xFF00 stuffing and RSTn markers belong to it, byte for byte.
  const scan1 = Buffer.from([0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0xff, 0x00, 0xff, 0xd1, 0x78, 0xff, 0x00]);
  const scan2 = Buffer.from([0x9a, 0xff, 0xd7, 0xbc, 0xff, 0x00, 0xde, 0xff, 0xd0, 0xf0]);
  const exif = seg(0xe1, 'Exif\0\0MM\0*\0\0\0\x08\0\0SECRET-EXIF GPS -1.2921,36.8219');
  const secrets = [
    exif,
    seg(0xe3, 'SECRET-APP3'),
    seg(0xef, 'SECRET-APP15'),
    seg(0xfe, 'SECRET-COM'),
    seg(0xe2, 'MPF\0SECRET-APP2-NOT-ICC'),
    seg(0xe0, 'JFXX\0\x10SECRET-JFXX'),
    seg(0xee, 'SECRET-APP14-NOT-ADOBE'),
  ];
  // What a phone puts after EOI: a motion photo's video, a vendor's trailer with the owner's number.
  const trailer = Buffer.from('\0\0\0\x18ftypmp42SECRET-VIDEO SEFH owner +254711000002 SEFT', 'latin1');
  const SECRETS = [
    'SECRET-EXIF',
    'GPS',
    'SECRET-APP3',
    'SECRET-APP15',
    'SECRET-COM',
    'SECRET-APP2-NOT-ICC',
    'SECRET-JFXX',
    'SECRET-APP14-NOT-ADOBE',
    'SECRET-VIDEO',
    '+254711000002',
  ];
  const leaks = (b: Uint8Array) => [...SECRETS, 'SECRET', 'ftyp'].filter((t) => has(b, t));

  it('keeps of a JPEG only what displays it: no other APPn, no comment, nothing after EOI', () => {
    const src = Buffer.concat([
      SOI,
      jfif,
      ...secrets.slice(0, 3),
      icc,
      adobe,
      secrets[3]!,
      secrets[4]!,
      dqt,
      frame(0xc0),
      secrets[5]!,
      dht,
      dri,
      secrets[6]!,
      sos([0, 63]),
      scan1,
      EOI,
      trailer,
    ]);
    expect(leaks(src)).toEqual([...SECRETS, 'SECRET', 'ftyp']);
    const out = stripMetadata(src, 'image/jpeg')!;
    expect(leaks(out)).toEqual([]);
    // JFIF, the ICC profile and Adobe's colour transform, the tables, the frame and the scan (its
    // stuffing and restart markers unchanged) are kept byte for byte, in order, then EOI and no more.
    expect(Buffer.from(out).equals(Buffer.concat([SOI, jfif, icc, adobe, dqt, frame(0xc0), dht, dri, sos([0, 63]), scan1, EOI]))).toBe(true);
    // As published: the same bytes.
    expect(cleanPhoto(src)).toEqual({ data: out, contentType: 'image/jpeg' });
  });

  it('cuts APPn and comments between the scans of a progressive JPEG, and keeps every scan as it is', () => {
    const src = Buffer.concat([
      SOI,
      jfif,
      dqt,
      frame(0xc2),
      dht,
      sos([0, 0]),
      scan1,
      seg(0xfe, 'SECRET-COM between scans'),
      seg(0xef, 'SECRET-APP15 between scans'),
      exif,
      dht,
      sos([1, 63]),
      scan2,
      Buffer.from([0xff, 0xff]), // fill bytes before EOI
      EOI,
      trailer,
    ]);
    const out = stripMetadata(src, 'image/jpeg')!;
    expect(leaks(out)).toEqual([]);
    expect(Buffer.from(out).equals(Buffer.concat([SOI, jfif, dqt, frame(0xc2), dht, sos([0, 0]), scan1, dht, sos([1, 63]), scan2, EOI]))).toBe(true);
  });

  it("keeps JFIF's header but not the thumbnail it may carry", () => {
    const thumbnail = seg(0xe0, 'JFIF\0\x01\x02\0\0\x48\0\x48\x01\x01SEC'); // a 1×1 RGB thumbnail
    const out = stripMetadata(Buffer.concat([SOI, thumbnail, dqt, frame(0xc0), dht, sos([0, 63]), scan1, EOI]), 'image/jpeg')!;
    expect(
      Buffer.from(out)
        .subarray(0, 20)
        .equals(Buffer.concat([SOI, seg(0xe0, 'JFIF\0\x01\x02\0\0\x48\0\x48\0\0')])),
    ).toBe(true);
    expect(has(out, 'SEC')).toBe(false);
  });

  it('refuses a JPEG that ends before its EOI, or has no scan, as damaged', () => {
    const whole = Buffer.concat([SOI, jfif, dqt, frame(0xc0), dht, sos([0, 63]), scan1, EOI]);
    for (const cut of [whole.length - 2, whole.length - 1, whole.length - 4, 30]) {
      expect(cleanPhoto(whole.subarray(0, cut))).toEqual({ refused: 'damaged' });
    }
    expect(cleanPhoto(Buffer.concat([SOI, jfif, dqt, EOI]))).toEqual({ refused: 'damaged' });
    expect(cleanPhoto(Buffer.concat([SOI, jfif, Buffer.from([0x00]), dqt, frame(0xc0), sos([0, 63]), scan1, EOI]))).toEqual({ refused: 'damaged' });
    expect(cleanPhoto(whole)).toMatchObject({ contentType: 'image/jpeg' });
  });

  it('cuts eXIf and text chunks from a PNG, and EXIF and XMP from a WebP (flags and size fixed)', () => {
    const png = stripMetadata(pngPhoto(), 'image/png')!;
    expect(has(png, 'GPS')).toBe(false);
    expect(Buffer.from(png).equals(pngPhoto(64, 48, [30, 120, 60], true))).toBe(true);
    const webp = Buffer.from(stripMetadata(webpWithExif(), 'image/webp')!);
    expect(has(webp, 'GPS')).toBe(false);
    expect(webp.readUInt32LE(4)).toBe(webp.length - 8);
    expect(webp[20]! & 0x0c).toBe(0);
    expect(has(webp, 'VP8L')).toBe(true);
  });

  it('refuses a photo too large, not an image, or whose structure cannot be walked', () => {
    expect(cleanPhoto(Buffer.concat([pngPhoto(), Buffer.alloc(MAX_PHOTO_BYTES)]))).toEqual({ refused: 'too-large' });
    expect(cleanPhoto(Buffer.from('just text'))).toEqual({ refused: 'not-an-image' });
    expect(cleanPhoto(jpegWithExif().subarray(0, 30))).toEqual({ refused: 'damaged' });
    expect(cleanPhoto(pngPhoto().subarray(0, 60))).toEqual({ refused: 'damaged' });
    const ok = cleanPhoto(pngPhoto());
    expect(ok).toMatchObject({ contentType: 'image/png' });
  });
});
