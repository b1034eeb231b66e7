// Reads and validates the deployment YAML file (and the voter roll it points to).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { readCsvRecords } from './csv.ts';
import { ConfigError, describeIssues } from './errors.ts';
import { deploymentSchema, type Demographics, type Deployment } from './schema.ts';
import { readSurveyXForm } from './survey-xform.ts';

/** Loads a deployment file; throws ConfigError naming each bad key. */
export function loadDeployment(file: string): Deployment {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  return parseDeployment(text, file);
}

/** Validates deployment YAML text; `source` names the file in error messages. */
export function parseDeployment(text: string, source = 'deployment'): Deployment {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => `YAML syntax: ${e.message.split('\n')[0]}`),
    );
  }
  const parsed = deploymentSchema.safeParse(doc.toJS());
  if (!parsed.success) throw new ConfigError(source, describeIssues(parsed.error.issues));
  loadSurveyForms(parsed.data, dirname(source));
  return parsed.data;
}

/** Reads each survey's own XForm (`xform`, relative to `baseDir`) into `supplied`; throws ConfigError naming the file and each problem. */
function loadSurveyForms(d: Deployment, baseDir: string): void {
  for (const s of d.surveys) {
    if (!s.xform) continue;
    const file = resolve(baseDir, s.xform);
    let xml: string;
    try {
      xml = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    } catch (err) {
      throw new ConfigError(file, [`surveys.${s.id}.xform: cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
    }
    const read = readSurveyXForm(xml, s.wards ?? d.wards.map((w) => w.id), s.notPersonal);
    if ('problems' in read)
      throw new ConfigError(
        file,
        read.problems.map((p) => `survey '${s.id}': ${p}`),
      );
    const taken = d.surveys.find((o) => o !== s && o.supplied?.formId === read.form.formId);
    if (taken) throw new ConfigError(file, [`survey '${s.id}': formID '${read.form.formId}' is also survey '${taken.id}''s`]);
    s.supplied = read.form;
  }
}

// An empty cell means the value was not collected for that voter.
const optionalCell = z
  .string()
  .trim()
  .max(64)
  .optional()
  .transform((v) => v || undefined);
const rollRow = z.object({
  voter_id: z.string().trim().min(1).max(64),
  phone: z.string().trim().min(3).max(32),
  ward: z.string().trim().min(1),
  age_band: optionalCell,
  gender: optionalCell,
});
/** One row of the voter roll and the file line it starts on; phones are hashed before storage. */
export type RollRow = z.infer<typeof rollRow> & { line: number };

/** What a roll row is checked against: the wards, and the demographic values when configured. */
export interface RollRules {
  wardIds: Set<string>;
  demographics?: Pick<Demographics, 'ageBands' | 'genders'>;
}

// Optional roll columns, each with the deployment key listing the values it may hold.
const DEMOGRAPHIC_COLUMNS = [
  { column: 'age_band', key: 'ageBands' },
  { column: 'gender', key: 'genders' },
] as const;

/**
 * Reads the roll CSV (columns voter_id, phone, ward; optionally age_band and gender, each value
 * one of the deployment's `demographics` lists, or empty). Any bad row rejects the whole file.
 */
export function loadRoll(configFile: string, rollFile: string, rules: RollRules): RollRow[] {
  const file = resolve(dirname(configFile), rollFile);
  let records: ReturnType<typeof readCsvRecords>;
  try {
    records = readCsvRecords(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(file, [(err as Error).message]);
  }
  const problems: string[] = [];
  const rows: RollRow[] = [];
  const unconfigured = new Set<string>();
  records.forEach(({ record, line }) => {
    const r = rollRow.safeParse(record);
    if (!r.success) {
      problems.push(...describeIssues(r.error.issues).map((m) => `line ${line}: ${m}`));
      return;
    }
    const before = problems.length;
    if (!rules.wardIds.has(r.data.ward)) problems.push(`line ${line}: ward: unknown ward '${r.data.ward}'`);
    for (const { column, key } of DEMOGRAPHIC_COLUMNS) {
      const value = r.data[column];
      if (value === undefined) continue;
      const allowed = rules.demographics?.[key];
      if (!allowed) {
        // Said once, not on every line: the fix is in the deployment file, not the roll.
        if (!unconfigured.has(column)) problems.push(`line ${line}: ${column}: the deployment file lists no demographics.${key}; add them or empty the column`);
        unconfigured.add(column);
      } else if (!allowed.includes(value)) {
        problems.push(`line ${line}: ${column}: '${value}' is not one of demographics.${key} (${allowed.join(', ')})`);
      }
    }
    if (problems.length === before) rows.push({ ...r.data, line });
  });
  if (problems.length > 0) throw new ConfigError(file, problems.slice(0, 20));
  return rows;
}
