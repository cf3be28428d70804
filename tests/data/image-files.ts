/**
 * Real image files for the browser tests: PNGs encoded by the browser's own canvas, and BMPs
 * written byte by byte (Microsoft's BITMAPFILEHEADER + BITMAPINFOHEADER, 24 bits, rows bottom-up,
 * BGR, padded to 4 bytes). Browser-only: OffscreenCanvas.
 */

export type Rgb = readonly [number, number, number];

/** A PNG of width × height opaque pixels, pixel (x, y) coloured `colour(x, y)`. */
export async function png(width: number, height: number, colour: (x: number, y: number) => Rgb): Promise<Uint8Array> {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d')!;
  const pixels = context.createImageData(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.data.set([...colour(x, y), 255], 4 * (y * width + x));
  }
  context.putImageData(pixels, 0, 0);
  return new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
}

/** A 24-bit uncompressed BMP. */
export function bmp(width: number, height: number, colour: (x: number, y: number) => Rgb): Uint8Array {
  const rowBytes = Math.ceil((3 * width) / 4) * 4;
  const bytes = new Uint8Array(54 + rowBytes * height);
  const view = new DataView(bytes.buffer);
  bytes.set([0x42, 0x4d]); // "BM"
  view.setUint32(2, bytes.length, true);
  view.setUint32(10, 54, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, width, true);
  view.setInt32(22, height, true); // positive: bottom-up rows
  view.setUint16(26, 1, true);
  view.setUint16(28, 24, true);
  view.setUint32(34, rowBytes * height, true);
  for (let y = 0; y < height; y++) {
    const row = 54 + (height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const [r, g, b] = colour(x, y);
      bytes.set([b, g, r], row + 3 * x);
    }
  }
  return bytes;
}
