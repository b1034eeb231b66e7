// Types of scripts/build-field-app.mjs for the TypeScript tests and benchmarks that build the app.

/** One file the gateway may serve at /field/<name>. */
export interface FieldAppFile {
  type: string;
  immutable: boolean;
  encodings: ('br' | 'gzip')[];
}

/** Builds the field web app into `outdir` (emptied first); returns what files.json lists. */
export function buildFieldApp(outdir: string): Promise<{ files: Record<string, FieldAppFile> }>;
