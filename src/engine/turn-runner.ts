// The skeleton every channel's request goes through: one clock, the voter's pseudonym, fresh
// codes, one CommitQueue transaction (redrawn on a code collision), effects applied with their
// provenance, and a durable commit when anything was stored that a reply will call recorded.
// Channels differ only in how they recognise a provider's retry, which they pass in.
import type { Deployment } from '../config/schema.ts';
import { freshCodes, randomPool } from '../domain/codes.ts';
import { memoize } from '../domain/memo.ts';
import { voterKey } from '../domain/voter.ts';
import type { CommitControl, CommitQueue } from '../store/commit-queue.ts';
import type { GatewayStore } from '../store/gateway-store.ts';
import type { NoticeStore } from '../store/notice-store.ts';
import { CODE_COLUMNS, isUniqueViolation } from '../store/errors.ts';
import { applyEffects, collectsDemographics, revotePolicy, type Provenance } from './effects.ts';
import type { Effect } from './flow-contract.ts';

/** What every channel's runner shares. */
export interface TurnDeps {
  store: GatewayStore;
  queue: CommitQueue;
  deployment: Deployment;
  /** The deployment as last downloaded from the ledger (cycles, wards, projects); default: `deployment`. */
  ballot?: () => Deployment;
  voterKeySecret: string;
  gatewayId: string;
  clock?: () => Date;
  random?: (bytes: number) => Uint8Array;
  /** Where an idea's proposer is kept (sealed) to be told of each new review status; absent: nobody is. */
  proposers?: NoticeStore;
}

/** The number a request came from, to keep with an idea it submits (never for an opted-out number). */
export interface Contact {
  /** The provider the request came through ('' when it sends no SMS: USSD, voice). */
  provider: string;
  phone: string;
  lang: string;
}

/** One attempt at a turn, inside the transaction. */
export interface Turn {
  now: Date;
  /** Codes drawn for this attempt; a flow uses them only if an effect needs one. */
  fresh: { receipt: string; reference: string };
  /** The ballot as downloaded (or the deployment file), read once per turn. */
  deployment: Deployment;
  commit: CommitControl;
  /** Applies effects with this turn's provenance; any effect makes the commit durable. */
  apply(effects: readonly Effect[], who: { voterKey: string; channel: Provenance['channel']; sourceRef: string; contact?: Contact }): void;
}

/** Runs turns for one channel. */
export class TurnRunner {
  private readonly clock: () => Date;
  private readonly random: (bytes: number) => Uint8Array;
  /** Voter pseudonym, memoised: every turn needs it and HMAC is costly. */
  readonly voterKeyOf: (phone: string) => string;

  constructor(private readonly deps: TurnDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.random = deps.random ?? randomPool();
    this.voterKeyOf = memoize((phone) => voterKey(phone, deps.voterKeySecret));
  }

  /** The runner's clock. */
  now(): Date {
    return this.clock();
  }

  /** The deployment flows should see now: the downloaded ballot, else the file. */
  current(): Deployment {
    return this.deps.ballot?.() ?? this.deps.deployment;
  }

  /**
   * Runs `work` in one transaction, unless `duplicate` (run first, in the same transaction)
   * recognises a provider retry and returns its earlier answer. A receipt or reference drawn
   * twice (2^-50 odds) is redrawn, up to three attempts; other errors reject.
   */
  async run<T>(duplicate: () => T | undefined, work: (turn: Turn) => T): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const now = this.clock();
      const fresh = freshCodes(this.random);
      try {
        return await this.deps.queue.run((commit) => {
          const earlier = duplicate();
          if (earlier !== undefined) return earlier;
          return work(this.turn(now, fresh, commit));
        });
      } catch (err) {
        if (attempt < 3 && isUniqueViolation(err, CODE_COLUMNS)) continue;
        throw err;
      }
    }
  }

  private turn(now: Date, fresh: Turn['fresh'], commit: CommitControl): Turn {
    const deployment = this.current();
    return {
      now,
      fresh,
      deployment,
      commit,
      apply: (effects, who) => {
        // Most turns only move between screens: nothing to store, and `who` is not even read
        // (a channel may compute its source reference lazily).
        if (effects.length === 0) return;
        // What a reply calls recorded (a vote, an idea, a remembered language) must reach the disk.
        commit.durable();
        const { contact, ...from } = who;
        applyEffects(this.deps.store, effects, {
          ...from,
          gatewayId: this.deps.gatewayId,
          now,
          demographics: collectsDemographics(this.deps.deployment),
          revote: revotePolicy(deployment),
          country: this.deps.deployment.deployment.country,
        });
        // An idea's proposer is told of each new status by SMS: their number is kept, sealed, with it.
        const proposers = this.deps.proposers;
        if (contact && proposers && !this.deps.store.optedOut(who.voterKey))
          for (const e of effects)
            if (e.type === 'proposal.submitted') proposers.keepProposer({ reference: e.reference, voterKey: who.voterKey, ...contact }, now.toISOString());
      },
    };
  }
}
