// A city adds a language without code: the fixture deployment adds Dholuo (luo) with a catalogue
// file beside its YAML. Residents choose it and vote in it by USSD, text its keywords and are
// answered in it, hear its prompts on a call; its clips are reported missing (eSpeak NG has no
// Dholuo voice) or rendered with the voice the catalogue names. A bad catalogue stops
// check-config with one line naming the file, the language and the key.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { voterKey } from '../src/domain/voter.ts';
import { catalogueFitProblems } from '../src/domain/catalogue-fit.ts';
import { loadDeploymentAndLanguages } from '../src/http/languages.ts';
import { t } from '../src/i18n/index.ts';
import { installLanguages, languagePack, uninstallLanguages } from '../src/i18n/languages.ts';
import { fieldLabelProblems, label } from '../field/labels.ts';
import { paperForms } from '../field/paper-forms.ts';
import { paperLabel, paperLabelProblems } from '../field/paper-labels.ts';
import { parseCatalogue } from '../src/i18n/pack.ts';
import { KEYWORD_KINDS } from '../src/i18n/keywords.ts';
import { catalogueTemplate, updateCatalogue } from '../src/cli/language.ts';
import { allClipTexts } from '../voice/prompts/catalogue.ts';
import { composeClips } from '../voice/prompts/compose.ts';
import { voiceFlow, voiceInput, type VoiceReply } from '../flows/voice/index.ts';
import type { KeypadState } from '../flows/keypad/state.ts';
import { ctxFor } from './helpers/flow.ts';
import { ESPEAK_LANGUAGES } from '../voice/prompts/tts.ts';
import { NOW, testDeployment } from './helpers/deployment.ts';
import { PUBLIC_URL, SECRET, testGateway, TOKEN, ussdBody } from './helpers/gateway.ts';
import { tempDir } from './helpers/tmp.ts';

const LUO = resolve(import.meta.dirname, 'fixtures/luo/deployment.yaml');
const CATALOGUE = resolve(import.meta.dirname, 'fixtures/luo/luo.yaml');
const CLI = resolve(import.meta.dirname, '../src/cli/main.ts');

afterAll(() => uninstallLanguages(['luo']));

const sauti = (args: string[], env: Record<string, string> = {}) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((res) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, LOG_LEVEL: 'silent', SAUTI_CONFIG: LUO, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (status) => res({ status, stdout, stderr }));
  });

/** A copy of the fixture (deployment + catalogue) with the catalogue's YAML text changed by `edit`. */
function brokenCopy(edit: (yaml: string) => string): string {
  const dir = tempDir('sauti-lang-');
  copyFileSync(LUO, join(dir, 'deployment.yaml'));
  const before = readFileSync(CATALOGUE, 'utf8');
  const after = edit(before);
  expect(after).not.toBe(before);
  writeFileSync(join(dir, 'luo.yaml'), after);
  return join(dir, 'deployment.yaml');
}

describe('a deployment that adds Dholuo', () => {
  const gw = testGateway({ configFile: LUO, clock: () => NOW });
  let n = 0;
  const ussd = (phone: string, text: string, session = `lang-${n++}`) =>
    request(gw.app)
      .post(`/africastalking/ussd/${TOKEN}`)
      .type('form')
      .send(ussdBody({ sessionId: session, phoneNumber: phone, text }))
      .then((r) => r.text);
  const smsIn = async (phone: string, text: string) => {
    await request(gw.app)
      .post(`/africastalking/sms/${TOKEN}`)
      .type('form')
      .send({ id: `lang-${n++}`, from: phone, to: '22384', text, date: '2026-11-22 09:00:00' })
      .expect(200);
    return gw.db.prepare('SELECT body FROM sms_outbound WHERE voter_key = ? ORDER BY id DESC LIMIT 1').pluck().get(voterKey(phone, SECRET)) as string;
  };

  it('lists it on the USSD language menu, and a resident votes in it', async () => {
    const first = await ussd('+254711000401', '', 'lang-ussd');
    expect(first).toBe('CON Choose language / Chagua lugha / Choisir la langue / Yier dhok\n1 English\n2 Kiswahili\n3 Français\n4 Dholuo');
    const menu = await ussd('+254711000401', '4', 'lang-ussd');
    expect(menu).toMatch(/^CON Test County PB\n1 Bwo\n2 Chiw paro\n3 Bwo mara gi risit\n/);
    expect(await ussd('+254711000401', '4*1', 'lang-ussd')).toMatch(/^CON Yier wadi mari:\n1 Wadi mar Nyandwat\n2 Wadi mar Milambo/);
    expect(await ussd('+254711000401', '4*1*1', 'lang-ussd')).toMatch(/^CON Wadi mar Nyandwat: yier 1-3 \(0 oyier\)\n1 Soko mar chiro /);
    await ussd('+254711000401', '4*1*1*3', 'lang-ussd');
    expect(await ussd('+254711000401', '4*1*1*3*99', 'lang-ussd')).toBe(
      'CON Ada bwo mari e Wadi mar Nyandwat:\n3 Od nyuol\nDuto KES 2.9M\n1 Ee, ada\n0 Dog chien',
    );
    const end = await ussd('+254711000401', '4*1*1*3*99*1', 'lang-ussd');
    expect(end).toMatch(/^CON Erokamano! Bwo mari ondiki\. Risit: [0-9A-Z]{5}-[0-9A-Z]{5}/);
    expect(gw.db.prepare("SELECT channel FROM events WHERE type = 'vote.cast'").pluck().all()).toEqual(['ussd']);
    // The language is remembered for the number: SMS answers it in Dholuo too.
    expect(await smsIn('+254711000401', 'RECEIPT')).toMatch(
      /^Bwo mari e Wadi mar Nyandwat tarik 2026 DGI 22: 3 Od nyuol\. Risit [0-9A-Z]{5}-[0-9A-Z]{5}\. Obiro chopo e buk mar taon e sync maluwo\.$/,
    );
  });

  it('understands its SMS keywords from a new number and answers in it', async () => {
    expect(await smsIn('+254711000402', 'yier 1 2')).toMatch(
      /^Bwo ondiki e Wadi mar Nyandwat: 1 Soko mar chiro, 2 Taye mag Stesen\. Risit [0-9A-Z]{5}-[0-9A-Z]{5}\. Or RISIT mondo ine\.$/,
    );
    expect(await smsIn('+254711000403', 'KONY')).toBe(t('luo', 'smsHelp', { langs: 'en, sw, or fr' }));
    // Ordinary Dholuo that is no command is answered in Dholuo; English, as before, in English.
    expect(await smsIn('+254711000404', 'Erokamano, awinjo')).toBe(t('luo', 'smsUnknown'));
    expect(await smsIn('+254711000405', 'hello what is this')).toBe(t('en', 'smsUnknown'));
    // LANG luo (or its name) switches a number to it.
    expect(await smsIn('+254711000406', 'LANG Dholuo')).toBe('Kaka sani, ote biro bedo e Dholuo.');
    expect(await smsIn('+254711000406', 'VOTE 20')).toMatch(/^Bwo ondiki e Wadi mar Milambo: 20 Od ngich/);
  });

  it('speaks to a caller in it: the language menu offers it, and its prompts follow', async () => {
    const body = (fields: Record<string, string> = {}) =>
      new URLSearchParams({
        isActive: '1',
        sessionId: 'ATVId_lang_1',
        direction: 'Inbound',
        callerNumber: '+254711000407',
        destinationNumber: '+254711082000',
        ...fields,
      }).toString();
    const path = `/africastalking/voice/${TOKEN}`;
    const spoken = (xml: string) => [...xml.matchAll(/\/prompts\/(\w+)\/([^"]+)\.wav"/g)].map((m) => `${m[1]}:${decodeURIComponent(m[2]!)}`);
    const first = await request(gw.app).post(path).type('form').send(body());
    expect(spoken(first.text)).toContain('en:voice.lang.luo.4');
    const next = first.text
      .match(/callbackUrl="([^"]+)"/)![1]!
      .replace(PUBLIC_URL, '')
      .replace(/&amp;/g, '&');
    const menu = await request(gw.app)
      .post(next)
      .type('form')
      .send(body({ dtmfDigits: '4' }));
    expect(spoken(menu.text)).toEqual(expect.arrayContaining(['luo:voice.menu.vote', 'luo:voice.menu.propose']));
  });
});

describe('its voice clips', () => {
  it('cover every prompt a call in Dholuo can play, numbers, amounts and receipts included', () => {
    const d = loadDeploymentAndLanguages(LUO);
    const texts = allClipTexts(d, 'luo');
    const ctx = ctxFor(d, { lang: 'luo' });
    const missing = new Set<string>();
    const seen = new Set<string>();
    const queue: KeypadState[] = [];
    const visit = (reply: VoiceReply, state: KeypadState) => {
      for (const key of composeClips(reply.parts, 'luo')) if (texts[key] === undefined) missing.add(key);
      const id = JSON.stringify(state);
      if (!reply.end && !seen.has(id) && seen.size < 600) {
        seen.add(id);
        queue.push(state);
      }
    };
    const first = voiceFlow.start(ctx, null);
    visit(first.reply, first.state);
    while (queue.length > 0) {
      const state = queue.shift()!;
      for (const k of ['0', '1', '2', '3', '9', `audio:${'b'.repeat(64)}:1000`]) {
        const input = voiceInput(state, k, ctx);
        if (input !== null) {
          const r = voiceFlow.step(state, input, ctx);
          visit(r.reply, r.state);
        }
      }
    }
    expect(seen.size).toBeGreaterThan(50);
    expect([...missing]).toEqual([]);
    // Amounts in the English grammar with Dholuo words: 4.5M is "ang'wen kama abich milion silingi".
    expect(composeClips([{ money: 4_500_000 }], 'luo').map((k) => texts[k])).toEqual(["ang'wen", 'kama', 'abich', 'milion', 'silingi']);
  });

  it('are reported missing by voice list and not rendered: eSpeak NG has no Dholuo voice', async () => {
    const prompts = tempDir('sauti-lang-prompts-');
    const render = await sauti(['voice', 'render', '--lang', 'luo'], { SAUTI_PROMPTS_DIR: prompts });
    expect(render.stderr).toBe('');
    expect(render.status).toBe(0);
    loadDeploymentAndLanguages(LUO);
    const keys = Object.keys(allClipTexts(loadDeploymentAndLanguages(LUO), 'luo'));
    expect(render.stdout).toContain(`voice prompts: ${keys.length} luo clips not rendered: eSpeak NG has no luo voice; record them`);
    expect(existsSync(join(prompts, 'luo'))).toBe(false);
    const list = await sauti(['voice', 'list', '--lang', 'luo'], { SAUTI_PROMPTS_DIR: prompts });
    const lines = list.stdout.trim().split('\n');
    expect(lines).toHaveLength(keys.length);
    expect(lines).toContain('luo/voice.menu.vote.wav\tmissing\tMondo ibwo, di 1.');
    expect(lines).toContain('luo/num-7.wav\tmissing\tabiriyo');
    expect(lines).toContain('luo/num-11.wav\tmissing\tapar gi achiel');
  }, 60_000);

  it('are rendered with the eSpeak NG voice the catalogue names', async () => {
    const config = brokenCopy((y) => y.replace(/^voice:\n/m, 'voice:\n  espeak: sw\n'));
    const prompts = tempDir('sauti-lang-prompts-');
    const render = await sauti(['voice', 'render', '--lang', 'luo'], { SAUTI_CONFIG: config, SAUTI_PROMPTS_DIR: prompts });
    expect(render.stderr).toBe('');
    expect(render.status).toBe(0);
    const keys = Object.keys(allClipTexts(loadDeploymentAndLanguages(LUO), 'luo'));
    expect(render.stdout).toMatch(new RegExp(`^voice prompts in .*: ${keys.length} rendered in `));
    for (const key of keys) expect(existsSync(join(prompts, 'luo', `${key}.wav`)), key).toBe(true);
  }, 120_000);

  it('names only voices eSpeak NG has (the list matches its own)', async () => {
    const { default: init } = await import('@echogarden/espeak-ng-emscripten');
    const worker = new (await init()).eSpeakNGWorker();
    const codes = new Set<string>();
    for (const v of worker.list_voices()) for (const l of v.languages) if (/^[a-z]{2,3}$/.test(l.name)) codes.add(l.name);
    expect([...ESPEAK_LANGUAGES].sort()).toEqual([...codes].sort());
  }, 30_000);
});

describe('check-config refuses a bad catalogue with one line naming the file, language and key', () => {
  const oneLine = (r: { status: number | null; stdout: string; stderr: string }) => {
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    return r.stderr.trim();
  };

  it('a missing key', async () => {
    const config = brokenCopy((y) => y.replace(/^ {2}menuVote: .*\n/m, ''));
    expect(oneLine(await sauti(['check-config', config]))).toMatch(/^\S+luo\.yaml: language 'luo': messages\.menuVote: missing$/);
  }, 30_000);

  it('a text that overflows a USSD screen with the longest values', async () => {
    // 200 characters; the trailing space is trimmed.
    const config = brokenCopy((y) => y.replace(/^ {2}noMore: .*$/m, `  noMore: "${'Onge migepe mamoko. '.repeat(10)}"`));
    expect(oneLine(await sauti(['check-config', config]))).toMatch(
      /^\S+luo\.yaml: language 'luo': messages\.noMore: 199 characters with the longest values, over a USSD screen \(182\): shorten it$/,
    );
  }, 30_000);

  it('a text that overflows an SMS segment with the longest values', async () => {
    // 121 characters, but a 30-letter ward name and ten codes make it 171: over 160.
    const config = brokenCopy((y) =>
      y.replace(
        /^ {2}smsVoteRecorded: .*$/m,
        '  smsVoteRecorded: "Bwo mari ondiki maber e {ward}: {codes}. Risit mari en {receipt}. Or RISIT mondo ine ni bwo mari nitie kendo kwan."',
      ),
    );
    expect(oneLine(await sauti(['check-config', config]))).toMatch(
      /^\S+luo\.yaml: language 'luo': messages\.smsVoteRecorded: over one SMS segment: 1\d\d characters with the longest values; the English fits one: shorten it$/,
    );
  }, 30_000);

  it('an unknown key', async () => {
    const config = brokenCopy((y) => y.replace(/^ {2}navDone: .*$/m, '$&\n  navFinish: Orumo'));
    expect(oneLine(await sauti(['check-config', config]))).toMatch(
      /^\S+luo\.yaml: language 'luo': messages\.navFinish: unknown key \(not in the English catalogue\)$/,
    );
  }, 30_000);

  it('and so does sauti start, before listening', async () => {
    const config = brokenCopy((y) => y.replace(/^ {4}voice\.goodbye: .*\n/m, ''));
    const r = await sauti(['start'], { SAUTI_CONFIG: config, PORT: '0', SAUTI_DB: join(tempDir('sauti-lang-db-'), 'gw.db') });
    expect(oneLine(r)).toMatch(/^\S+luo\.yaml: language 'luo': voice\.prompts\.voice\.goodbye: missing$/);
  }, 30_000);
});

describe('catalogue checks', () => {
  it('the fixture passes check-config, which says so', async () => {
    const r = await sauti(['check-config', LUO], { SAUTI_PROMPTS_DIR: tempDir('sauti-lang-prompts-') });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual([
      `${LUO} is valid: 2 wards, 2 cycles, 13 projects`,
      'language luo (Dholuo): catalogue luo.yaml is complete and fits',
    ]);
  }, 30_000);

  it('field labels: the catalogue’s where given, English for the rest', () => {
    const raw = parse(readFileSync(CATALOGUE, 'utf8'));
    raw.field = { ward: 'Wadi', bogus: 'x', recorded: 'Bwo ondiki. Risit: {risit}' };
    const { pack, problems } = parseCatalogue('luo', raw);
    expect(problems).toEqual([]);
    expect(fieldLabelProblems(pack!.field)).toEqual([
      expect.stringMatching(/^field\.bogus: unknown key \(field labels are: .*\bvoteTitle, /),
      'field.recorded: use the placeholders of the English text ({receipt})',
    ]);
    installLanguages([{ ...pack!, field: { ward: 'Wadi' } }]);
    expect(label('luo', 'ward')).toBe('Wadi');
    expect(label('luo', 'category')).toBe('Category');
  });

  it('paper labels: the catalogue’s in the Dholuo paper forms, English for the rest, a wrong key or placeholder named', () => {
    const d = loadDeploymentAndLanguages(LUO);
    const forms = paperForms(d, NOW);
    const luo = (kind: string) => {
      const xml = forms.find((f) => f.kind === kind)!.xml;
      return /<translation lang="Dholuo \(luo\)">(.*?)<\/translation>/s.exec(xml)?.[1] ?? '';
    };
    const ballot = luo('paper-ballot');
    expect(ballot).toContain('<value>Namba mar chokruok (grup), koa e lebo mar sanduk bwo</value>');
    expect(ballot).toContain('<value>Chieng&apos; mar chokruok</value>');
    expect(ballot).toContain('<value>Namba mochapi e karatas bwo</value>');
    expect(ballot).not.toContain('Day of the meeting');
    const tally = luo('paper-tally');
    expect(tally).toContain('<value>Karatas bwo mochiw</value>');
    expect(tally).toContain('<value>Bwo mokethore</value>');
    expect(tally).toMatch(/<value>1 · [^<]+: bwo<\/value>/);
    expect(paperLabel('luo', 'dayMsg', { opens: 'a', closes: 'b' })).toBe('Bwo ne nitie chakre a nyaka b');
    // A text the catalogue leaves out is English; the built-in languages keep theirs.
    expect(paperLabel('luo', 'settled', { serial: 'A-1' })).toBe('Ballot A-1 stored: two officers’ entries agree.');
    expect(paperLabel('sw', 'day')).toBe('Siku ya mkutano');
    expect(paperLabelProblems({ day: 'Chieng', bogus: 'x', projectVotes: '{code}: bwo' })).toEqual([
      expect.stringMatching(/^paper\.bogus: unknown key \(paper labels are: ballotTitle, /),
      'paper.projectVotes: use the placeholders of the English text ({code}, {title})',
    ]);
  });

  it('a catalogue’s bad paper label stops check-config, naming the file, the language and the key', async () => {
    const file = brokenCopy((yaml) => yaml.replace('  day: "Chieng\' mar chokruok"', '  dey: "Chieng\' mar chokruok"'));
    const r = await sauti(['check-config', file], { SAUTI_PROMPTS_DIR: tempDir('sauti-lang-prompts-') });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/luo\.yaml: language 'luo': paper\.dey: unknown key/);
  }, 30_000);

  it('the fixture passes them and is installed', () => {
    loadDeploymentAndLanguages(LUO);
    expect(languagePack('luo')?.locale).toBe('luo');
    expect(t('luo', 'chooseLanguage')).toBe('Yier dhok');
  });

  it('hold for the built-in catalogues too: the rule residents are protected by is the same', () => {
    const d = testDeployment();
    for (const lang of ['en', 'sw', 'fr']) expect(catalogueFitProblems(lang, d), lang).toEqual([]);
  });

  it('refuse a keyword another language uses for something else, a language with no catalogue, a placeholder renamed', () => {
    const raw = parse(readFileSync(CATALOGUE, 'utf8'));
    raw.sms.keywords.stop.push('VOTE');
    raw.messages.pickChooseOne = '{wadi}: yier migawo 1';
    expect(parseCatalogue('luo', raw).problems).toEqual([
      'messages.pickChooseOne: use the placeholders of the English text ({ward}), not {wadi}',
      "sms.keywords.stop: 'VOTE' is already the en keyword for vote",
    ]);
    expect(() => testDeployment((r) => r.languages.push({ code: 'rw', name: 'Ikinyarwanda' }))).toThrow(/no built-in catalogue for 'rw'/);
  });

  it('refuse a "choose language" that leaves the USSD language menu no room, though it fits alone', () => {
    const long = 'Yier dhok ma idwaro mondo wawuo kodi, kendo ibiro yudo duoko duto e dhok ma iyiero. Dwok gi namba moa e list ma ni piny.';
    expect(long.length).toBeLessThan(160);
    const config = brokenCopy((y) => y.replace(/^ {2}chooseLanguage: .*$/m, `  chooseLanguage: "${long}"`));
    expect(() => loadDeploymentAndLanguages(config)).toThrow(
      /^\S+luo\.yaml: language 'luo': messages\.chooseLanguage: the USSD language menu \("choose language" in every language, then their names\) is 2\d\d characters, over a USSD screen \(182\): shorten it$/,
    );
    // Refused catalogues are not left installed.
    expect(languagePack('luo')).toBeUndefined();
  });

  it('name every missing text, those other texts are built from included, without failing on them', () => {
    const config = brokenCopy((y) =>
      ['chooseLanguage', 'statusSubmitted', 'channelVoice', 'smsResultsMore'].reduce((t, k) => t.replace(new RegExp(`^ {2}${k}: .*\\n`, 'm'), ''), y),
    );
    expect(() => loadDeploymentAndLanguages(config)).toThrow(
      /^(\S+luo\.yaml: language 'luo': messages\.(chooseLanguage|statusSubmitted|channelVoice|smsResultsMore): missing\n?){4}$/,
    );
  });

  it('sauti language update adds the keys a catalogue lacks, in English and marked, and keeps the rest as it was', () => {
    const full = readFileSync(CATALOGUE, 'utf8');
    const lacking = full.replace(/^ {2}menuVote: .*\n/m, '').replace(/^ {4}voice\.goodbye: .*\n/m, '');
    const { text, added } = updateCatalogue(lacking);
    expect(added).toEqual(['messages.menuVote', 'voice.prompts.voice.goodbye']);
    expect(text).toContain('  # English: translate\n  menuVote: Vote\n');
    expect(parseCatalogue('luo', parse(text)).problems).toEqual([]);
    // Every line of the catalogue, comments and translations, is still there.
    const lines = new Set(text.split('\n'));
    expect(lacking.split('\n').filter((l) => !lines.has(l))).toEqual([]);
    expect(updateCatalogue(text).added).toEqual([]);
  });

  it('names a malformed locale as it names an unknown one', () => {
    for (const locale of ['not_a-locale!!', 'zz']) {
      const text = readFileSync(CATALOGUE, 'utf8').replace(/^locale: .*$/m, `locale: "${locale}"`);
      expect(parseCatalogue('luo', parse(text)).problems).toEqual([
        `locale: '${locale}' is not a locale this Node.js knows; leave it out to write dates in English`,
      ]);
    }
  });

  it('still reads a catalogue written before HELP and LANG named the deployment’s languages', () => {
    const older = readFileSync(CATALOGUE, 'utf8')
      .replace(/^ {2}smsHelp: .*$/m, '  smsHelp: "MIGEPE ne list, YIER 3 7 mondo ibwo, DHOK en kata sw, CHUNG mondo ijuk."')
      .replace(/^ {2}smsLangUnknown: .*$/m, '  smsLangUnknown: "Dhok ok ongere. Or DHOK en, DHOK sw kata DHOK luo."');
    expect(parseCatalogue('luo', parse(older)).problems).toEqual([]);
    const renamed = readFileSync(CATALOGUE, 'utf8').replace(/^ {2}smsLangUnknown: .*$/m, '  smsLangUnknown: "Dhok ok ongere. Or DHOK {langs}."');
    expect(parseCatalogue('luo', parse(renamed)).problems).toEqual([
      'messages.smsLangUnknown: use the placeholders of the English text ({choices}), not {langs}',
    ]);
  });

  it('keeps the space a text appended to another begins with, however the YAML was written', () => {
    const unquoted = readFileSync(CATALOGUE, 'utf8')
      .replace(/^ {2}smsProjectsMore: .*$/m, '  smsProjectsMore: Or MORE ni ite mamoko.')
      .replace(/^ {2}smsProjectsVote: .*$/m, '  smsProjectsVote: "To vote: VOTE {example}."');
    const { pack, problems } = parseCatalogue('luo', parse(unquoted));
    expect(problems).toEqual([]);
    expect(pack!.messages.smsProjectsMore).toBe(' Or MORE ni ite mamoko.');
    expect(pack!.messages.smsProjectsVote).toBe(' To vote: VOTE {example}.');
    expect(pack!.messages.smsProjects).toBe('Projects in {ward} ({currency}){part}: {items}.{next}');
  });

  it('sauti language template writes a catalogue with every key, only its keywords left to choose', () => {
    const problems = parseCatalogue('rw', parse(catalogueTemplate('rw'))).problems;
    expect(problems.length).toBe(KEYWORD_KINDS.length);
    expect(problems.every((p) => /^sms\.keywords\.\w+: '\w+_RW' must be one word of letters$/.test(p))).toBe(true);
  });
});
