// Images made in the test, byte by byte: a real PNG Chromium draws (with a text chunk and an eXIf
// chunk naming a place, as a phone would add), and JPEG and WebP containers with metadata to cut.
import { crc32, deflateSync } from 'node:zlib';

const u32be = (n: number) => Buffer.from([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const u32le = (n: number) => Buffer.from([n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255]);

function pngChunk(kind: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(kind, 'ascii'), data]);
  return Buffer.concat([u32be(data.length), body, u32be(crc32(body))]);
}

/** A `width`×`height` PNG of one colour, with metadata chunks (`GPS -1.2921,36.8219`) unless `plain`. */
export function pngPhoto(width = 64, height = 48, rgb: [number, number, number] = [30, 120, 60], plain = false): Buffer {
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3).map((_, i) => rgb[i % 3]!)]);
  const ihdr = Buffer.concat([u32be(width), u32be(height), Buffer.from([8, 2, 0, 0, 0])]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    ...(plain ? [] : [pngChunk('tEXt', Buffer.from('Comment\0GPS -1.2921,36.8219', 'latin1')), pngChunk('eXIf', Buffer.from('MM\0*GPS -1.2921,36.8219'))]),
    pngChunk('IDAT', deflateSync(Buffer.concat(Array.from({ length: height }, () => row)))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const segment = (marker: number, data: Buffer) => Buffer.concat([Buffer.from([0xff, marker, (data.length + 2) >> 8, (data.length + 2) & 255]), data]);

/** A JPEG's structure: APP0 (JFIF), APP1 (EXIF with a GPS tag), APP2 (ICC), a comment, a table, then the scan. */
export function jpegWithExif(orientation = 6): Buffer {
  // Little-endian TIFF: IFD0 with Orientation and a GPS pointer, then the "GPS" data it points at.
  const exif = Buffer.concat([
    Buffer.from('Exif\0\0II*\0', 'latin1'),
    Buffer.from([8, 0, 0, 0, 2, 0]),
    Buffer.from([0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0]),
    Buffer.from([0x25, 0x88, 4, 0, 1, 0, 0, 0, 38, 0, 0, 0]),
    Buffer.from([0, 0, 0, 0]),
    Buffer.from('GPSLatitude -1.2921', 'latin1'),
  ]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')),
    segment(0xe1, exif),
    segment(0xe2, Buffer.from('ICC_PROFILE\0colour', 'latin1')),
    segment(0xfe, Buffer.from('taken at home', 'latin1')),
    segment(0xdb, Buffer.alloc(65, 1)),
    segment(0xda, Buffer.from([1, 1, 0, 0, 63, 0])),
    Buffer.from([0x12, 0x34, 0xff, 0x00, 0x56]),
    Buffer.from([0xff, 0xd9]),
  ]);
}

const riffChunk = (kind: string, data: Buffer) =>
  Buffer.concat([Buffer.from(kind, 'ascii'), u32le(data.length), data, data.length % 2 ? Buffer.from([0]) : Buffer.alloc(0)]);

/** A WebP container: VP8X saying EXIF and XMP follow, an image chunk, then EXIF and XMP chunks. */
export function webpWithExif(): Buffer {
  const vp8x = Buffer.from([0x0c, 0, 0, 0, 63, 0, 0, 47, 0, 0]);
  const body = Buffer.concat([
    Buffer.from('WEBP', 'ascii'),
    riffChunk('VP8X', vp8x),
    riffChunk('VP8L', Buffer.from([0x2f, 1, 2, 3, 4])),
    riffChunk('EXIF', Buffer.from('MM\0*GPS -1.29', 'latin1')),
    riffChunk('XMP ', Buffer.from('<x:xmpmeta>GPS</x:xmpmeta>', 'latin1')),
  ]);
  return Buffer.concat([Buffer.from('RIFF', 'ascii'), u32le(body.length), body]);
}
