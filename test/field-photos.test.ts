// A field officer's idea with a photo, end to end: the idea form asks for one (scaled by Collect);
// the submission's image part is cleaned (type by its bytes, EXIF/GPS cut), kept on the gateway
// beside the spoken ideas' recordings, named by digest in the proposal event, sent to the ledger
// with the signed sync like a recording (once, bound to its event), and shown to the PB team on
// the proposal's page in the console — never on the public path milestone photos use.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { addOfficer } from '../src/engine/field-capture.ts';
import { FieldStore } from '../src/store/field-store.ts';
import { createLogger } from '../src/logging.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { sha256Hex } from '../src/domain/protocol.ts';
import { stripMetadata, MAX_FIELD_PHOTO_BYTES } from '../src/domain/photo.ts';
import { syncRound } from '../sync/sync-job.ts';
import { verifyChain } from '../ledger/verify.ts';
import { NOW } from './helpers/deployment.ts';
import { testGateway } from './helpers/gateway.ts';
import { testLedger } from './helpers/ledger.ts';
import { connectedRelay } from './helpers/ledger-server.ts';
import { seedProposals, seedTeam, signIn } from './helpers/console.ts';
import { storeAttachment } from '../ledger/attachments.ts';
import { AttachmentBook } from '../sync/attachments.ts';
import { testDeployment } from './helpers/deployment.ts';
import { jpegWithExif } from './helpers/photos.ts';

const silent = createLogger('silent');
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

const COLLECT = { 'X-OpenRosa-Version': '1.0', Date: NOW.toUTCString() };

/** A filled idea form as Collect serialises it; `photo` the file name the photo question answered. */
const ideaXml = (instance: string, photo?: string) =>
  `<?xml version='1.0' ?><data id="sauti-proposal-c-open" version="x" xmlns:orx="http://openrosa.org/xforms"><start>2026-11-22T11:00:00.000+03:00</start><end>2026-11-22T11:04:00.000+03:00</end>` +
  `<ward>south</ward><category>water</category><title>Borehole at Kiboko market</title><description>The old one is dry</description>` +
  `${photo === undefined ? '<photo/>' : `<photo>${photo}</photo>`}<orx:meta><orx:instanceID>uuid:${instance}-1111-4c55-9d1e-0a2b3c4d5e6f</orx:instanceID></orx:meta></data>`;

function gateway() {
  const gw = testGateway({ clock: () => NOW });
  closers.push(async () => void gw.db.close());
  const officer = addOfficer(new FieldStore(gw.db), gw.deployment, 'Amina Otieno', null, NOW);
  const submit = (xml: string, files: [name: string, bytes: Buffer, type: string][] = []) => {
    let r = request(gw.app)
      .post(`/openrosa/key/${officer.token}/submission`)
      .set(COLLECT)
      .attach('xml_submission_file', Buffer.from(xml), { filename: 'Idea.xml', contentType: 'text/xml' });
    for (const [name, bytes, type] of files) r = r.attach(name, bytes, { filename: name, contentType: type });
    return r;
  };
  return { gw, officer, submit };
}

const proposals = (gw: ReturnType<typeof testGateway>) =>
  (gw.db.prepare("SELECT payload FROM events WHERE type = 'proposal.submitted'").pluck().all() as string[]).map(
    (p) => JSON.parse(p) as Record<string, unknown>,
  );

describe('a field idea with a photo', () => {
  it('the idea form asks for an optional photo, scaled down by Collect', async () => {
    const { gw, officer } = gateway();
    const form = await request(gw.app).get(`/openrosa/key/${officer.token}/forms/sauti-proposal-c-open.xml`).set(COLLECT);
    expect(form.status).toBe(200);
    expect(form.text).toContain('<upload ref="/data/photo" mediatype="image/*">');
    expect(form.text).toContain('<bind nodeset="/data/photo" type="binary" orx:max-pixels="1280"/>');
    expect(form.text).not.toMatch(/nodeset="\/data\/photo"[^>]*required/);
  });

  it('is refused, storing nothing, when its photo is missing, not an image or too large', async () => {
    const { gw, submit } = gateway();
    const cases: [string, Awaited<ReturnType<typeof submit>>, RegExp][] = [
      ['missing', await submit(ideaXml('0b6f7d01', '1700000000001.jpg')), /did not arrive/],
      [
        'not an image',
        await submit(ideaXml('0b6f7d02', 'a.jpg'), [['a.jpg', Buffer.from('<html>not a photo</html>'), 'image/jpeg']]),
        /not a JPEG, PNG or WebP/,
      ],
      [
        'too large',
        await submit(ideaXml('0b6f7d03', 'b.jpg'), [['b.jpg', Buffer.concat([jpegWithExif(), Buffer.alloc(MAX_FIELD_PHOTO_BYTES)]), 'image/jpeg']]),
        /larger than 2 MB/,
      ],
    ];
    for (const [what, res, message] of cases) {
      expect(res.status, what).toBe(400);
      expect(res.text, what).toMatch(message);
    }
    expect(proposals(gw)).toEqual([]);
    expect(gw.db.prepare('SELECT count(*) FROM voice_recordings').pluck().get()).toBe(0);
  });

  it('a submission cut off inside a part (Collect on a dropped connection) is answered 400, and the gateway keeps answering', async () => {
    const { gw, officer } = gateway();
    const xml = ideaXml('0b6f7d10', 'd.jpg');
    for (const cut of [
      `--XYZ\r\nContent-Disposition: form-data; name="xml_submission_file"; filename="Idea.xml"\r\nContent-Type: text/xml\r\n\r\n${xml.slice(0, 80)}`,
      `--XYZ\r\nContent-Disposition: form-data; name="xml_submission_file"; filename="Idea.xml"\r\nContent-Type: text/xml\r\n\r\n${xml}\r\n` +
        '--XYZ\r\nContent-Disposition: form-data; name="d.jpg"; filename="d.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff',
    ]) {
      const res = await request(gw.app)
        .post(`/openrosa/key/${officer.token}/submission`)
        .set(COLLECT)
        .set('Content-Type', 'multipart/form-data; boundary=XYZ')
        .send(Buffer.from(cut));
      expect(res.status).toBe(400);
      expect(res.text).toContain('Not recorded');
    }
    expect(proposals(gw)).toEqual([]);
    expect((await request(gw.app).get('/healthz')).status).toBe(200);
  });

  it('matches a browser’s own file name (the field web app keeps it, spaces and all), and refuses a path', async () => {
    const { gw, submit } = gateway();
    const named = await submit(ideaXml('0b6f7d04', 'IMG 2026 (1).jpg'), [['IMG 2026 (1).jpg', jpegWithExif(), 'image/jpeg']]);
    expect(named.status).toBe(201);
    const climbing = await submit(ideaXml('0b6f7d05', '../../etc/passwd'), [['passwd', jpegWithExif(), 'image/jpeg']]);
    expect(climbing.status).toBe(400);
    expect(climbing.text).toMatch(/photo: a file name, not a path\. Not recorded\./);
    expect(proposals(gw)).toHaveLength(1);
  });

  it('travels cleaned to the ledger with the signed sync, once, and the console shows it to the team only', async () => {
    const { gw, submit } = gateway();
    const sent = jpegWithExif();
    const clean = Buffer.from(stripMetadata(sent, 'image/jpeg')!);
    const digest = sha256Hex(clean);
    const xml = ideaXml('0b6f7d0e', '1700000000000.jpg');
    const res = await submit(xml, [['1700000000000.jpg', sent, 'image/jpeg']]);
    expect(res.status).toBe(201);
    expect(res.text).toMatch(/Idea recorded/);
    // Collect resends when it lost the answer: stored once.
    expect((await submit(xml, [['1700000000000.jpg', sent, 'image/jpeg']])).status).toBe(201);
    // A resend without the photo part (already stored) is answered as before too.
    expect((await submit(xml)).status).toBe(201);
    expect(proposals(gw)).toEqual([expect.objectContaining({ title: 'Borehole at Kiboko market', photo: { sha256: digest, bytes: clean.length } })]);
    const kept = gw.db.prepare('SELECT bytes, content_type, audio FROM voice_recordings').all() as { bytes: number; content_type: string; audio: Buffer }[];
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ bytes: clean.length, content_type: 'image/jpeg' });
    expect(kept[0]!.audio.equals(clean)).toBe(true);
    expect(kept[0]!.audio.includes(Buffer.from('GPSLatitude'))).toBe(false);

    const ledger = await testLedger('sqlite', gw.deployment, () => NOW);
    closers.push(() => ledger.close());
    const { relay, stop } = await connectedRelay(gw, ledger);
    closers.push(stop);
    const round = await syncRound(relay, gw.ballots, silent);
    expect(round.push).toMatchObject({ accepted: 1, backlog: 0 });
    expect(round.attachments).toEqual({ stored: 1, refused: 0, unsupported: false });
    const eventId = gw.db.prepare("SELECT id FROM events WHERE type = 'proposal.submitted'").pluck().get() as string;
    const held = await ledger.attachment(digest);
    expect(held).toMatchObject({ sha256: digest, bytes: clean.length, contentType: 'image/jpeg', eventId, gatewayId: gw.gatewayId });
    // A second round sends nothing again.
    expect((await syncRound(relay, gw.ballots, silent)).attachments).toEqual({ stored: 0, refused: 0, unsupported: false });
    expect((await verifyChain(ledger.conn.db)).ok).toBe(true);

    await seedTeam(ledger);
    const app = createLedgerApp(ledger, silent);
    const agent = request.agent(app);
    await signIn(agent, 'auditor');
    const page = await agent.get(`/console/proposals/${eventId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<img class="photo" src="/console/photos/${digest}" alt="Photo sent with the idea “Borehole at Kiboko market”">`);
    const photo = await agent.get(`/console/photos/${digest}`).buffer(true);
    expect(photo.status).toBe(200);
    expect(photo.headers['content-type']).toBe('image/jpeg');
    expect(photo.headers['x-content-type-options']).toBe('nosniff');
    expect(photo.headers['cache-control']).toBe('no-store');
    expect(Buffer.from(photo.body as Buffer).equals(clean)).toBe(true);
    // Nobody signed out, and never on the public path of milestone photos.
    expect((await request(app).get(`/console/photos/${digest}`)).status).toBe(303);
    expect((await request(app).get(`/results/photos/${digest}`)).status).toBe(404);
  });

  it('a photo the ledger refuses as not an image is not sent again; one it could not read is', async () => {
    const { gw, submit } = gateway();
    const sent = jpegWithExif();
    const digest = sha256Hex(Buffer.from(stripMetadata(sent, 'image/jpeg')!));
    expect((await submit(ideaXml('0b6f7d0f', 'c.jpg'), [['c.jpg', sent, 'image/jpeg']])).status).toBe(201);
    const book = new AttachmentBook(gw.db);
    const due = () => book.due(10, true).map((d) => d.sha256);
    expect(due()).toEqual([digest]);
    // The same bytes cannot become an image by being sent again: final, as too-large is.
    book.refused(digest, 'not-an-image', 'these bytes are not a JPEG, PNG or WebP image', NOW);
    expect(due()).toEqual([]);
    book.refused(digest, 'malformed', 'a bundle line the ledger could not read', NOW);
    expect(due()).toEqual([digest]);
  });

  it('the ledger keeps a photo only as the image its bytes are, whatever type the gateway names', async () => {
    const ledger = await testLedger('sqlite', testDeployment());
    closers.push(() => ledger.close());
    const html = Buffer.from('<html><script>alert(1)</script></html>');
    const jpeg = jpegWithExif();
    const [bad, good] = await seedProposals(ledger, [
      { title: 'A', channel: 'field', photo: { sha256: sha256Hex(html), bytes: html.length } },
      { title: 'B', channel: 'field', photo: { sha256: sha256Hex(jpeg), bytes: jpeg.length } },
    ]);
    const store = (eventId: string, bytes: Buffer, contentType: string) =>
      storeAttachment(ledger.conn.db, { gatewayId: 'gw-inbox', eventId, sha256: sha256Hex(bytes), contentType, audio: bytes }, 2_000_000, NOW);
    expect(await store(bad!, html, 'image/jpeg')).toMatchObject({ status: 'refused', reason: 'not-an-image' });
    expect(await store(good!, jpeg, 'text/html')).toEqual({ status: 'stored', duplicate: false });
    expect((await ledger.attachment(sha256Hex(jpeg)))?.contentType).toBe('image/jpeg');
    expect(await ledger.attachment(sha256Hex(html))).toBeUndefined();
  });
});
