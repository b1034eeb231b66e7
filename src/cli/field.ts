// `sauti field …`: field officers for ODK Collect / KoboCollect. An officer gets a server URL
// holding a token (shown once, as the settings QR code Collect scans) and can be revoked at once.
import { deflateSync } from 'node:zlib';
import type { Settings } from '../config/env.ts';
import { loadDeploymentAndLanguages } from '../http/languages.ts';
import { addOfficer } from '../engine/field-capture.ts';
import { openDatabase } from '../store/db.ts';
import { FieldStore } from '../store/field-store.ts';

/**
 * ODK Collect's settings QR payload (docs.getodk.org/collect-import-export): the settings JSON,
 * zlib-deflated, then base64. `match_exactly` keeps the device's forms equal to the form list, so a
 * closed cycle's form leaves the phone; the officer cannot change the server by hand.
 */
export function collectSettingsPayload(serverUrl: string, projectName: string): string {
  const settings = {
    general: { server_url: serverUrl, form_update_mode: 'match_exactly', autosend: 'wifi_and_cellular' },
    admin: { change_server: false },
    project: { name: projectName, icon: 'S', color: '#1b5e20' },
  };
  return deflateSync(Buffer.from(JSON.stringify(settings), 'utf8')).toString('base64');
}

/** The base URL phones reach the gateway at: --url, else SAUTI_PUBLIC_URL, else HOST:PORT. */
function baseUrl(settings: Settings, url: string | undefined): string {
  return (url ?? settings.publicUrl ?? `http://${settings.host}:${settings.port}`).replace(/\/+$/, '');
}

export async function addFieldOfficer(settings: Settings, name: string, opts: { ward?: string; url?: string }): Promise<void> {
  const deployment = loadDeploymentAndLanguages(settings.configFile);
  const db = openDatabase(settings.dbFile);
  try {
    const { id, token } = addOfficer(new FieldStore(db), deployment, name, opts.ward ?? null, new Date());
    const server = `${baseUrl(settings, opts.url)}/openrosa/key/${token}`;
    // Loaded here, not at start-up: only this command draws a QR code.
    const { default: QRCode } = await import('qrcode');
    const qr = await QRCode.toString(collectSettingsPayload(server, `${deployment.deployment.name}: ${name.trim()}`), {
      type: 'terminal',
      small: true,
      errorCorrectionLevel: 'L',
    });
    console.log(`Officer ${id} (${name.trim()}${opts.ward ? `, ward ${opts.ward}` : ', every ward'})`);
    console.log(`Server URL (keep it private; it is this officer's password): ${server}`);
    // The web app reads the token from the link's fragment, which browsers never send to a server.
    console.log(`Or, with only a browser: open ${baseUrl(settings, opts.url)}/field/#key=${token} (the field web app; it keeps the link on the device)`);
    console.log('In ODK Collect or KoboCollect: Project settings → Reconfigure with QR code, and scan:');
    console.log(qr);
    if (/^http:\/\/(127\.|localhost|0\.0\.0\.0)/.test(server)) {
      console.log(
        'Note: a phone cannot reach this address. Set SAUTI_PUBLIC_URL (or --url) to the address phones use, revoke this officer and add them again.',
      );
    }
  } catch (err) {
    console.error(`Cannot add the officer: ${(err as Error).message}`);
    process.exitCode = 2;
  } finally {
    db.close();
  }
}

export function printOfficers(settings: Settings): void {
  const db = openDatabase(settings.dbFile);
  try {
    const rows = new FieldStore(db).officers();
    if (rows.length === 0) return void console.log('No field officers yet: sauti field add-officer "Name" --ward <ward>');
    console.log(`${'id'.padEnd(12)}${'name'.padEnd(24)}${'ward'.padEnd(12)}${'added'.padEnd(18)}${'last contact'.padEnd(18)}status`);
    const when = (s: string | null) => (s ? s.slice(0, 16).replace('T', ' ') : 'never');
    for (const o of rows) {
      console.log(
        `${o.id.padEnd(12)}${o.name.slice(0, 23).padEnd(24)}${(o.ward_id ?? 'all').padEnd(12)}${when(o.created_at).padEnd(18)}${when(o.last_contact_at).padEnd(18)}${o.revoked_at ? `revoked ${when(o.revoked_at)}` : 'active'}`,
      );
    }
  } finally {
    db.close();
  }
}

export function revokeOfficer(settings: Settings, id: string): void {
  const db = openDatabase(settings.dbFile);
  try {
    const outcome = new FieldStore(db).revoke(id, new Date().toISOString());
    if (outcome === 'unknown') {
      console.error(`No officer '${id}': see sauti field officers`);
      process.exitCode = 2;
    } else console.log(outcome === 'revoked' ? `Officer ${id} revoked: their server URL stops working now.` : `Officer ${id} was already revoked.`);
  } finally {
    db.close();
  }
}
