// How much of a screenshot is drawn: the share of dark pixels, read in a page of the browser
// under test (no image library needed), to see that a page or an element was really rendered.
import type { Browser } from 'playwright-core';

/** The share of pixels darker than mid-grey in a PNG screenshot. */
export async function inkShare(browser: Browser, png: Buffer): Promise<number> {
  const checker = await browser.newPage();
  try {
    return await checker.evaluate(
      async (src) => {
        const { Image, document } = globalThis as any;
        const img = new Image();
        img.src = src;
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.width;
        canvas.height = img.height;
        const ctx = canvas.getContext('2d');
        ctx.drawImage(img, 0, 0);
        const { data } = ctx.getImageData(0, 0, img.width, img.height);
        let n = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] < 300) n++;
        return n / (data.length / 4);
      },
      `data:image/png;base64,${png.toString('base64')}`,
    );
  } finally {
    await checker.close();
  }
}
