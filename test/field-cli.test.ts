// `sauti field add-officer | officers | revoke`: the server URL and the ODK Collect settings QR
// code (JSON, zlib, base64, as Collect scans it), last contact, and a revocation that acts at once
// on a gateway that is already running.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { collectSettingsPayload } from '../src/cli/field.ts';
import { addOfficer } from '../src/engine/field-capture.ts';
import { FieldStore } from '../src/store/field-store.ts';
import { FIXTURE } from './helpers/deployment.ts';
import { testGateway } from './helpers/gateway.ts';
import { tempDir } from './helpers/tmp.ts';

const CLI = resolve(import.meta.dirname, '../src/cli/main.ts');

// Four runs of the command through tsx: slow on a busy two-core machine, hence the long timeout.
describe('sauti field', { timeout: 150_000 }, () => {
  it('the QR payload is ODK Collect’s settings JSON, zlib-deflated and base64-encoded', () => {
    const payload = collectSettingsPayload('https://pb.example.org/openrosa/key/abc', 'Test County PB: Amina');
    expect(JSON.parse(inflateSync(Buffer.from(payload, 'base64')).toString('utf8'))).toEqual({
      general: { server_url: 'https://pb.example.org/openrosa/key/abc', form_update_mode: 'match_exactly', autosend: 'wifi_and_cellular' },
      admin: { change_server: false },
      project: { name: 'Test County PB: Amina', icon: 'S', color: '#1b5e20' },
    });
  });

  it('adds an officer with a working URL and a QR code, lists them with last contact, and revokes them at once', async () => {
    const dir = tempDir();
    const env = { ...process.env, LOG_LEVEL: 'silent', SAUTI_CONFIG: FIXTURE, SAUTI_DB: join(dir, 'sauti.db'), SAUTI_PUBLIC_URL: 'https://pb.example.org' };
    const sauti = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', CLI, 'field', ...args], { encoding: 'utf8', env });
    const gw = testGateway({ env: { SAUTI_DB: join(dir, 'sauti.db') } });
    const added = sauti(['add-officer', 'Amina Otieno', '--ward', 'north']);
    expect(added.stderr).toBe('');
    const url = /Server URL .*: (https:\/\/pb\.example\.org\/openrosa\/key\/[A-Za-z0-9_-]{43})\n/.exec(added.stdout)![1]!;
    const id = /^Officer (o-[0-9a-f]{8}) \(Amina Otieno, ward north\)/.exec(added.stdout)![1]!;
    expect(added.stdout).toMatch(/[▀▄█]{10,}/); // the QR code, drawn with half blocks
    // The same token opens the field web app, in the link's fragment (never sent to a server).
    expect(added.stdout).toContain(`open https://pb.example.org/field/#key=${url.split('/').at(-1)} (the field web app`);
    expect(() => addOfficer(new FieldStore(gw.db), gw.deployment, 'Nobody', 'atlantis', new Date())).toThrow(/unknown ward 'atlantis'/);

    // The gateway running on the same database takes the token.
    const path = url.slice('https://pb.example.org'.length);
    expect((await request(gw.app).get(`${path}/formList`).set('X-OpenRosa-Version', '1.0')).status).toBe(200);
    const listed = sauti(['officers']);
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+Amina Otieno\\s+north\\s+\\S+ \\S+\\s+\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}\\s+active`));
    expect(listed.stdout).not.toContain(url.split('/').at(-1));

    expect(sauti(['revoke', id]).stdout).toMatch(/revoked: their server URL stops working now/);
    expect((await request(gw.app).get(`${path}/formList`).set('X-OpenRosa-Version', '1.0')).status).toBe(403);
    expect(sauti(['officers']).stdout).toMatch(/revoked \d{4}-/);
    expect(new FieldStore(gw.db).revoke('o-00000000', new Date().toISOString())).toBe('unknown');
    gw.db.close();
  });
});
