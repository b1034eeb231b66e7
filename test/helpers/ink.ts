// Whether a screenshot shows a drawn page, not a blank or error one: its share of dark pixels
// ("ink"), measured by Chromium itself (the project has no PNG decoder of its own).
import type { Browser } from 'playwright-core';

/** A screenshot's share of dark pixels (r + g + b < 300) and its height, drawn on a canvas in a page of its own. */
export async function inkOf(browser: Browser, png: Buffer): Promise<{ share: number; height: number }> {
  // A page of its own that runs script (the pages under test may have JavaScript off).
  const checker = await browser.newPage();
  try {
    return await checker.evaluate(
      async (src) => {
        // Runs in the browser; typed loosely because the project compiles without the DOM library.
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
        return { share: n / (data.length / 4), height: img.height };
      },
      `data:image/png;base64,${png.toString('base64')}`,
    );
  } finally {
    await checker.close();
  }
}
