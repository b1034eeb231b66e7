// Commits what a flow decided: events into the outbox plus the current-state tables.
import { v7 as uuidv7 } from 'uuid';
import type { Deployment } from '../config/schema.ts';
import { prevails, type RevotePolicy } from '../domain/ballot-order.ts';
import { redactPhoneNumbers } from '../domain/redact.ts';
import type { GatewayStore } from '../store/gateway-store.ts';
import type { Effect } from './flow-contract.ts';

/** Who and where an effect came from; copied onto every event. */
export interface Provenance {
  voterKey: string;
  channel: 'ussd' | 'sms' | 'voice' | 'field' | 'paper';
  gatewayId: string;
  /** Identity of the provider request; with the effect's index it is unique per event. */
  sourceRef: string;
  now: Date;
  /** Attach the voter's age band and gender from the roll to their votes (see collectsDemographics). */
  demographics: boolean;
  /** The cycle's revote policy (default `replace`): which of the voter's ballots is the current one. */
  revote?: (cycleId: string) => RevotePolicy;
  /** The deployment's country, for finding phone numbers typed in national form inside free text. */
  country: string;
}

/** A cycle's revote policy in a deployment; `replace` for a cycle it does not list. */
export function revotePolicy(d: Pick<Deployment, 'cycles'>): (cycleId: string) => RevotePolicy {
  return (cycleId) => d.cycles.find((c) => c.id === cycleId)?.revote ?? 'replace';
}

/**
 * Whether votes carry the roll's age band and gender: only on a roll deployment that lists
 * `demographics`, so a roll left in the store after switching to open eligibility sends nothing.
 */
export function collectsDemographics(d: Pick<Deployment, 'eligibility' | 'demographics'>): boolean {
  return d.eligibility.mode === 'roll' && d.demographics !== undefined;
}

/** Applies effects in order. Must run inside a transaction (CommitQueue work). */
export function applyEffects(store: GatewayStore, effects: readonly Effect[], p: Provenance): void {
  const at = p.now.toISOString();
  effects.forEach((effect, i) => {
    const base = {
      cycle_id: '',
      voter_key: p.voterKey,
      channel: p.channel,
      gateway_id: p.gatewayId,
      captured_at: at,
      source_ref: `${p.sourceRef}#${i}`,
    };
    switch (effect.type) {
      case 'voter.language':
        store.setVoterLang(p.voterKey, effect.lang, at);
        return;
      case 'voter.optOut':
        store.setOptOut(p.voterKey, effect.optedOut, at);
        return;
      case 'vote.cast': {
        const id = uuidv7();
        const { cycleId, wardId, picks, receipt, replaces } = effect;
        const seq = store.appendEvent({
          ...base,
          id,
          type: 'vote.cast',
          cycle_id: cycleId,
          // Read here, at commit, not by the flow: flows stay pure and never see demographics.
          payload: JSON.stringify({ wardId, picks, receipt, replaces, ...(p.demographics ? store.rollDemographics(p.voterKey) : {}) }),
        });
        // The same rule as the ledger's (src/domain/ballot-order.ts): on one gateway, its sequence.
        const holder = store.currentBallot(cycleId, p.voterKey);
        const cast = { eventId: id, gatewayId: p.gatewayId, gatewaySeq: seq, orderedAt: at };
        if (
          holder &&
          !prevails(p.revote?.(cycleId) ?? 'replace', cast, {
            eventId: holder.event_id,
            gatewayId: p.gatewayId,
            gatewaySeq: holder.seq,
            orderedAt: holder.cast_at,
          })
        )
          return;
        store.upsertBallot({
          cycle_id: cycleId,
          voter_key: p.voterKey,
          ward_id: wardId,
          picks: JSON.stringify(picks),
          receipt,
          event_id: id,
          channel: p.channel,
          cast_at: at,
        });
        // The ledger said the replaced vote counts: asked again first, in the next round.
        if (holder) store.recheckStanding(holder.event_id);
        return;
      }
      case 'proposal.submitted': {
        const id = uuidv7();
        const { cycleId, wardId, category, reference } = effect;
        // A number written into an idea ("call me on 0798…") never reaches the disk or the ledger.
        const title = redactPhoneNumbers(effect.title, p.country);
        const description = redactPhoneNumbers(effect.description, p.country);
        store.appendEvent({
          ...base,
          id,
          type: 'proposal.submitted',
          cycle_id: cycleId,
          payload: JSON.stringify({
            wardId,
            category,
            title,
            description,
            reference,
            ...(effect.audio ? { audio: effect.audio } : {}),
            ...(effect.photo ? { photo: effect.photo } : {}),
          }),
        });
        store.insertProposal({
          reference,
          event_id: id,
          cycle_id: cycleId,
          voter_key: p.voterKey,
          ward_id: wardId,
          category,
          title,
          description,
          submitted_at: at,
        });
        return;
      }
      case 'project.reported': {
        const { cycleId, wardId, code, reference, lang } = effect;
        // As for ideas: a number written into a report never reaches the disk or the ledger.
        const text = redactPhoneNumbers(effect.text, p.country);
        store.appendEvent({
          ...base,
          id: uuidv7(),
          type: 'project.reported',
          cycle_id: cycleId,
          payload: JSON.stringify({ wardId, code, text, reference, lang, ...(effect.audio ? { audio: effect.audio } : {}) }),
        });
        return;
      }
      case 'survey.answered': {
        const { cycleId, surveyId, wardId } = effect;
        // As for ideas: a number written into a text answer never reaches the disk or the ledger.
        const answers = Object.fromEntries(Object.entries(effect.answers).map(([q, v]) => [q, typeof v === 'string' ? redactPhoneNumbers(v, p.country) : v]));
        store.appendEvent({ ...base, id: uuidv7(), type: 'survey.answered', cycle_id: cycleId, payload: JSON.stringify({ surveyId, wardId, answers }) });
        return;
      }
    }
  });
}
