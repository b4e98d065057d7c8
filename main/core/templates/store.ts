/**
 * Thumbnail templates: DATA/templates/NAME.png plus NAME.json {description, attribution, crop, location}
 * (crop = the part of the frame to use, location = where it goes on the template; l,t,r,b pixels).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const Box = z.tuple([z.number().int().min(0), z.number().int().min(0), z.number().int().min(0), z.number().int().min(0)])
  .refine((b) => b[2] > b[0] && b[3] > b[1], 'box must be left,top,right,bottom with right > left and bottom > top');

export const TemplateMeta = z.object({
  description: z.string().max(500).default(''),
  attribution: z.string().max(200).default(''),
  crop: Box,
  location: Box,
});
export type TemplateMeta = z.infer<typeof TemplateMeta>;

export const TEMPLATE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_ -]{0,63}$/;

export class TemplateStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'templates');
  }

  list(): (TemplateMeta & { name: string })[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir).filter((n) => n.endsWith('.json')).sort().flatMap((n) => {
      const name = n.slice(0, -5);
      const meta = this.meta(name);
      return meta ? [{ name, ...meta }] : [];
    });
  }

  meta(name: string): TemplateMeta | null {
    if (!TEMPLATE_NAME.test(name)) return null;
    try {
      return TemplateMeta.parse(JSON.parse(readFileSync(join(this.dir, `${name}.json`), 'utf8')));
    } catch {
      return null;
    }
  }

  async get(name: string): Promise<{ image: Buffer; crop: [number, number, number, number]; location: [number, number, number, number] } | null> {
    const meta = this.meta(name);
    if (!meta || !existsSync(join(this.dir, `${name}.png`))) return null;
    return { image: readFileSync(join(this.dir, `${name}.png`)), crop: meta.crop, location: meta.location };
  }

  put(name: string, png: Buffer, meta: TemplateMeta): void {
    if (!TEMPLATE_NAME.test(name)) throw new Error('template names are letters, digits, space, _ and -');
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, `${name}.png.tmp`), png);
    renameSync(join(this.dir, `${name}.png.tmp`), join(this.dir, `${name}.png`));
    writeFileSync(join(this.dir, `${name}.json.tmp`), JSON.stringify(meta, null, 2));
    renameSync(join(this.dir, `${name}.json.tmp`), join(this.dir, `${name}.json`));
  }

  remove(name: string): boolean {
    if (!TEMPLATE_NAME.test(name) || !existsSync(join(this.dir, `${name}.json`))) return false;
    rmSync(join(this.dir, `${name}.json`), { force: true });
    rmSync(join(this.dir, `${name}.png`), { force: true });
    return true;
  }
}
