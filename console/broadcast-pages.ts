// The console's broadcasts page (console/broadcasts.ts): the broadcasts sent (every role reads
// them), the form for those who may send, and the preview (GET, nothing saved) with the Send
// button. Plain HTML as console/pages.ts.
import { isBuiltInLang } from '../src/config/schema.ts';
import { formatDateTime } from '../src/domain/format.ts';
import type { BroadcastNotice } from '../src/domain/broadcast-notice.ts';
import { BROADCAST_AUDIENCES } from '../src/domain/broadcast-notice.ts';
import type { SmsCost } from '../src/domain/sms-encoding.ts';
import { can } from './accounts.ts';
import type { BroadcastDraft, BroadcastPrice } from './broadcasts.ts';
import { labelsFor } from './labels.ts';
import { randomUUID } from 'node:crypto';
import { esc, framed, hidden, pick, type Frame } from './pages.ts';

type Values = Record<string, string>;

function form(f: Frame, v: Values, error?: { field: string; text: string }): string {
  const t = labelsFor(f.lang);
  const err = (field: string) => (error?.field === field ? `<p class="err" role="alert">${esc(error.text)}</p>` : '');
  const option = (value: string, text: string, chosen: string | undefined) =>
    `<option value="${esc(value)}"${value === chosen ? ' selected' : ''}>${esc(text)}</option>`;
  const texts = f.d.languages
    .map(
      (l) =>
        `<label for="text-${l.code}">${esc(t('broadcastText', { language: l.name }))}</label>${err(`text.${l.code}`)}<textarea id="text-${l.code}" name="text.${l.code}" lang="${l.code}" rows="3" maxlength="600">${esc(v[`text.${l.code}`] ?? '')}</textarea>`,
    )
    .join('');
  return `<h2>${esc(t('newBroadcast'))}</h2><form method="get" action="/console/broadcasts/preview">
<label for="b-cycle">${esc(t('cycle'))}</label>${err('cycle')}<select id="b-cycle" name="cycle">${f.d.cycles.map((c) => option(c.id, pick(c.name, f.lang), v.cycle)).join('')}</select>
<label for="b-audience">${esc(t('broadcastAudience'))}</label>${err('audience')}<select id="b-audience" name="audience">${BROADCAST_AUDIENCES.map((a) => option(a, t(`audience.${a}`), v.audience)).join('')}</select>
<p class="note">${esc(t('votersNotOffered'))}</p>
<label for="b-ward">${esc(t('ward'))}</label>${err('ward')}<select id="b-ward" name="ward">${option('', t('allWards'), v.ward)}${f.d.wards.map((w) => option(w.id, pick(w.name, f.lang), v.ward)).join('')}</select>
${texts}<p><button type="submit">${esc(t('previewBroadcast'))}</button></p></form>`;
}

function audienceLine(f: Frame, b: Pick<BroadcastDraft, 'cycleId' | 'audience' | 'wardId'>): string {
  const t = labelsFor(f.lang);
  const cycle = f.d.cycles.find((c) => c.id === b.cycleId);
  const ward = b.wardId ? f.d.wards.find((w) => w.id === b.wardId) : undefined;
  return `${t(`audience.${b.audience}`)} — ${cycle ? pick(cycle.name, f.lang) : b.cycleId} — ${ward ? pick(ward.name, f.lang) : (b.wardId ?? t('allWards'))}`;
}

/** The list of broadcasts sent, and the form for those who may send. */
export function broadcastsPage(
  f: Frame,
  sent: (BroadcastNotice & { actor: string })[],
  opts: { values?: Values; error?: { field: string; text: string } } = {},
): string {
  const t = labelsFor(f.lang);
  const when = (iso: string) => formatDateTime(new Date(iso), f.lang, f.d.deployment.timezone);
  const parts = [`<p class="note">${esc(t('broadcastsNote'))}</p>`];
  if (can(f.session.user.role, 'broadcast')) parts.push(form(f, opts.values ?? {}, opts.error));
  else parts.push(`<p class="note">${esc(t('readOnly'))}</p>`);
  const rows = sent
    .map(
      (b) =>
        `<tr><td>${esc(when(b.recordedAt))}</td><td>${esc(b.actor)}</td><td>${esc(audienceLine(f, b))}</td><td>${f.d.languages
          .filter((l) => b.text[l.code])
          .map((l) => `<p lang="${esc(l.code)}">${esc(b.text[l.code]!)}</p>`)
          .join('')}</td><td>${b.seq}</td></tr>`,
    )
    .join('');
  parts.push(
    `<h2>${esc(t('sentBroadcasts'))}</h2>`,
    rows
      ? `<table class="list"><thead><tr><th>${esc(t('when'))}</th><th>${esc(t('who'))}</th><th>${esc(t('broadcastAudience'))}</th><th>${esc(t('broadcastMessage'))}</th><th>${esc(t('entry'))}</th></tr></thead><tbody>${rows}</tbody></table>`
      : `<p>${esc(t('noBroadcasts'))}</p>`,
  );
  return framed(f, t('broadcasts'), parts.join('\n'));
}

/** The estimated cost: the total for the recipients estimated, else why there is none. */
function costLine(f: Frame, price: BroadcastPrice | null, perSegment: number | undefined): string {
  const t = labelsFor(f.lang);
  if (!price) return `<p class="note">${esc(t('noPrice'))}</p>`;
  if (!price.total) return `<p class="note">${esc(t('costNoTotal'))}</p>`;
  const { amount, recipients, segments } = price.total;
  // "1 recipient", "3 recipients": the language's own plural rule picks the form.
  const rules = new Intl.PluralRules(isBuiltInLang(f.lang) ? f.lang : 'en'); // the labels' language (English for an added one)
  const plural = (n: number) => rules.select(n);
  const count = (what: 'recipients' | 'segments', n: number) => t(`count.${what}.${plural(n) === 'one' ? 'one' : 'other'}`, { n });
  return `<p class="cost"><strong>${esc(t('costEstimate', { currency: price.currency, amount, recipients: count('recipients', recipients), segments: count('segments', segments), price: String(perSegment) }))}</strong></p>`;
}

/** The preview: per language the encoding, segments and price; the ledger's estimate and the total cost, labelled; Send (POST) with the same fields. */
export function broadcastPreviewPage(
  f: Frame,
  draft: BroadcastDraft,
  costs: { lang: string; cost: SmsCost }[],
  estimate: number | null,
  price: BroadcastPrice | null,
): string {
  const t = labelsFor(f.lang);
  const name = (code: string) => f.d.languages.find((l) => l.code === code)?.name ?? code;
  const each = (lang: string) => (price ? `<td>${esc(price.perMessage.find((p) => p.lang === lang)?.amount ?? '')}</td>` : '');
  const rows = costs
    .map(
      ({ lang, cost }) =>
        `<tr><td>${esc(name(lang))}</td><td lang="${esc(lang)}">${esc(draft.text[lang] ?? '')}</td><td>${esc(cost.encoding)}</td><td>${cost.segments}</td>${each(lang)}</tr>`,
    )
    .join('');
  const fields = {
    cycle: draft.cycleId,
    audience: draft.audience,
    ward: draft.wardId ?? '',
    ...Object.fromEntries(Object.entries(draft.text).map(([k, v]) => [`text.${k}`, v])),
  };
  const back = `/console/broadcasts?${new URLSearchParams(fields).toString()}`;
  const priceHead = price ? `<th>${esc(t('costPerMessage', { currency: price.currency }))}</th>` : '';
  return framed(
    f,
    `${t('broadcasts')}: ${t('previewBroadcast')}`,
    `<p class="note">${esc(t('broadcastPreviewNote'))}</p><p><strong>${esc(t('broadcastAudience'))}:</strong> ${esc(audienceLine(f, draft))}</p>
<table class="list"><thead><tr><th>${esc(t('language'))}</th><th>${esc(t('broadcastMessage'))}</th><th>${esc(t('encoding'))}</th><th>${esc(t('segments'))}</th>${priceHead}</tr></thead><tbody>${rows}</tbody></table>
<p class="note">${esc(t('recipientsOnGateways'))}</p><p class="note">${esc(estimate === null ? t('noEstimate') : t('estimateProposers', { n: estimate }))}</p>
${costLine(f, price, f.d.sms.pricePerSegment?.amount)}
<form method="post" action="/console/broadcasts">${hidden('_csrf', f.session.csrf)}${hidden('send', randomUUID())}${Object.entries(fields)
      .map(([k, v]) => hidden(k, v))
      .join('')}<p><button type="submit">${esc(t('sendBroadcast'))}</button> <a href="${esc(back)}">${esc(t('newBroadcast'))}</a></p></form>`,
  );
}
