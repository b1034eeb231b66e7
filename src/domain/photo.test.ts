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
