// What the browser tests read from a screenshot, to tell a drawn page from a blank or broken one.
// Chromium itself decodes the PNG on a canvas: the project has no PNG decoder of its own.
import type { Browser, Page } from 'playwright-core';

/** Mean luminance per cell of a `cols` × `rows` grid, and the shares of dark (luminance < 100) and blue-tinted pixels. */
export interface LuminanceGrid {
  cells: number[];
  dark: number;
  coloured: number;
}

/** A screenshot's height, its share of ink (r + g + b < 300) and, when asked for, its luminance grid. */
interface ScreenshotMeasure {
  height: number;
  ink: number;
  grid?: LuminanceGrid;
}

/** Measures `png` by drawing it on a canvas in `page` (which must run script). */
async function measureScreenshot(page: Page, png: Buffer, grid?: { cols: number; rows: number }): Promise<ScreenshotMeasure> {
  return page.evaluate(
    async ({ src, grid }) => {
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
      const { cols, rows } = grid ?? { cols: 1, rows: 1 };
      const sums = new Array(cols * rows).fill(0);
      const ns = new Array(cols * rows).fill(0);
      let ink = 0;
      let dark = 0;
      let coloured = 0;
      for (let y = 0; y < img.height; y++) {
        for (let x = 0; x < img.width; x++) {
          const i = (y * img.width + x) * 4;
          const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
          if (r + g + b < 300) ink++;
          const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
          if (lum < 100) dark++;
          if (b - r > 60) coloured++;
          const cell = Math.min(rows - 1, Math.floor((y / img.height) * rows)) * cols + Math.min(cols - 1, Math.floor((x / img.width) * cols));
          sums[cell] += lum;
          ns[cell]++;
        }
      }
      const total = img.width * img.height;
      const cells = sums.map((s: number, i: number) => Math.round(s / ns[i]));
      return { height: img.height, ink: ink / total, ...(grid ? { grid: { cells, dark: dark / total, coloured: coloured / total } } : {}) };
    },
    { src: `data:image/png;base64,${png.toString('base64')}`, grid },
  );
}

/** A screenshot's share of ink and its height, measured in a page of its own (the pages under test may have JavaScript off). */
export async function inkOf(browser: Browser, png: Buffer): Promise<{ share: number; height: number }> {
  const checker = await browser.newPage();
  try {
    const { ink, height } = await measureScreenshot(checker, png);
    return { share: ink, height };
  } finally {
    await checker.close();
  }
}

/** A coarse picture of a screenshot (to compare with a stored one), measured in `page`. */
export async function luminanceGrid(page: Page, png: Buffer, grid: { cols: number; rows: number }): Promise<LuminanceGrid> {
  return (await measureScreenshot(page, png, grid)).grid!;
}
