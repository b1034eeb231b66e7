// Which class each voter is in, shared by every Equal Shares run of one count (add1 runs it
// hundreds of times over the same ballots, with a slightly larger budget each time).
//
// A class is the set of voters who support exactly the same projects among those bought so far:
// they have paid the same amounts, so they hold the same budget. The split into classes, and
// the classes' numbering, therefore depend only on which projects were bought in which order,
// never on the budget. Runs of add1 mostly buy the same first projects in the same order, so
// what a run learns at a point of that order — each project's supporters per class — serves
// every later run that reaches the same point. Walking a project's supporters (tens of
// thousands of voters) was most of a run's work; a run now walks only where no earlier run went.
//
// The points are the nodes of a tree: the root is "nothing bought yet" and a node's child for
// project w is "then w was bought". Voters' classes (`classOf`) are held for one node at a
// time and brought to another by replaying the purchases on the way.
import type { ClassCounts } from './equal-shares-payment.ts';
import type { SupportIndex } from './support-index.ts';

export class PrefixNode {
  /** Classes are numbered 1 … classes − 1 (0 stays the empty class of `ClassBudgets`). */
  readonly classes: number;
  /** Each project's supporters per class here, in the order the walk first met each class. */
  readonly counts = new Map<number, ClassCounts>();
  readonly children = new Map<number, PrefixNode>();
  /** The last run that passed through this node (older branches are dropped, see `prune`). */
  visited = 0;

  constructor(
    readonly parent: PrefixNode | null,
    /** The project bought to reach this node from its parent. */
    readonly bought: number,
    classes: number,
  ) {
    this.classes = classes;
  }
}

export class PrefixClasses {
  readonly root: PrefixNode;
  /** The class of each voter at node `at`. */
  private readonly classOf: Uint32Array;
  private at: PrefixNode;
  private run = 0;
  private tally = new Uint32Array(64);
  private moveTo = new Int32Array(64);

  constructor(private readonly index: SupportIndex) {
    // Every voter starts in class 1.
    this.root = new PrefixNode(null, -1, 2);
    this.classOf = new Uint32Array(index.voters).fill(1);
    this.at = this.root;
  }

  /** Call at the start of each run: nodes the previous run did not pass through are let go. */
  startRun(): PrefixNode {
    this.prune(this.root, this.run);
    this.run++;
    this.root.visited = this.run;
    return this.root;
  }

  /** The node after buying `project` at `node`. Its classes: every class touched by the project splits into supporters and the rest. */
  child(node: PrefixNode, project: number): PrefixNode {
    let next = node.children.get(project);
    if (!next) {
      next = new PrefixNode(node, project, node.classes + this.supportersPerClass(node, project).length);
      node.children.set(project, next);
    }
    next.visited = this.run;
    return next;
  }

  /** A project's supporters per class at `node`, walked once per node and project. */
  supportersPerClass(node: PrefixNode, p: number): ClassCounts {
    const known = node.counts.get(p);
    if (known) return known;
    const index = this.index;
    let out: ClassCounts;
    if (node === this.root) {
      out = [[1, index.supporterCount[p]!]];
    } else {
      this.moveHere(node);
      if (this.tally.length < node.classes) this.tally = new Uint32Array(node.classes * 2);
      const seen: number[] = [];
      tallyClasses(this.classOf, index.projectVoters, index.projectOffsets[p]!, index.projectOffsets[p + 1]!, this.tally, seen);
      out = seen.map((k): [number, number] => [k, this.tally[k]!]);
      for (const k of seen) this.tally[k] = 0;
    }
    node.counts.set(p, out);
    return out;
  }

  /**
   * Bring `classOf` to `node`: back from where it is to the closest common node and forward
   * from there, or forward from the root when that walks fewer supporters.
   */
  private moveHere(node: PrefixNode): void {
    // Usually a run asks for the node it just reached from where `classOf` is.
    if (node === this.at) return;
    if (node.parent === this.at) return this.replay(node);
    const supporters = (n: PrefixNode) => this.index.supporterCount[n.bought]!;
    // Nodes from `node` up to the root, and what replaying each costs.
    const down: PrefixNode[] = [];
    const onPath = new Set<PrefixNode>();
    let fromRoot = 0;
    for (let n: PrefixNode | null = node; n && n.parent; n = n.parent) {
      down.push(n);
      onPath.add(n);
      fromRoot += supporters(n);
    }
    let back = 0;
    let common: PrefixNode = this.at;
    while (common !== this.root && !onPath.has(common)) {
      back += supporters(common);
      common = common.parent!;
    }
    let forward = 0;
    for (const n of down) {
      if (n === common) break;
      forward += supporters(n);
    }
    if (back + forward < fromRoot) {
      while (this.at !== common) this.undo(this.at);
    } else {
      this.classOf.fill(1);
      this.at = this.root;
      common = this.root;
    }
    const start = common === this.root ? down.length : down.indexOf(common);
    for (let i = start - 1; i >= 0; i--) this.replay(down[i]!);
  }

  /** Move the supporters of the project bought to reach `node` into their new classes. */
  private replay(node: PrefixNode): void {
    const parent = node.parent!;
    const moveTo = this.scratch(parent.classes);
    // The i-th class the project's supporters are in becomes class parent.classes + i for them.
    parent.counts.get(node.bought)!.forEach(([k], i) => (moveTo[k] = parent.classes + i));
    this.move(node.bought, moveTo);
    this.at = node;
  }

  /** The reverse of `replay`: the supporters go back to the classes they were in at the parent. */
  private undo(node: PrefixNode): void {
    const parent = node.parent!;
    const moveTo = this.scratch(node.classes);
    parent.counts.get(node.bought)!.forEach(([k], i) => (moveTo[parent.classes + i] = k));
    this.move(node.bought, moveTo);
    this.at = parent;
  }

  private scratch(size: number): Int32Array {
    if (this.moveTo.length < size) this.moveTo = new Int32Array(size * 2);
    return this.moveTo;
  }

  private move(p: number, moveTo: Int32Array): void {
    const index = this.index;
    moveClasses(this.classOf, index.projectVoters, index.projectOffsets[p]!, index.projectOffsets[p + 1]!, moveTo);
  }

  private prune(node: PrefixNode, run: number): void {
    for (const [p, child] of node.children) {
      if (child.visited < run) node.children.delete(p);
      else this.prune(child, run);
    }
  }
}

// The two walks over a project's supporters, kept in small functions of their own so that the
// engine optimises them once for good (inside larger methods their loops were compiled on the
// fly and thrown away again hundreds of times per count).

/** Count the supporters `voters[from..to)` per class into `tally`, listing classes in `seen` as first met. */
function tallyClasses(classOf: Uint32Array, voters: Uint32Array, from: number, to: number, tally: Uint32Array, seen: number[]): void {
  for (let i = from; i < to; i++) {
    const k = classOf[voters[i]!]!;
    if (tally[k]!++ === 0) seen.push(k);
  }
}

/** Move each of the voters `voters[from..to)` from its class k to class moveTo[k]. */
function moveClasses(classOf: Uint32Array, voters: Uint32Array, from: number, to: number, moveTo: Int32Array): void {
  for (let i = from; i < to; i++) {
    const v = voters[i]!;
    classOf[v] = moveTo[classOf[v]!]!;
  }
}
