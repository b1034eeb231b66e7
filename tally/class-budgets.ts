// What each class of voters still holds during one Equal Shares run: exactly, and as a float.
//
// Exactly: BigInt numerators over one common denominator D. Charging a payment split among m
// payers multiplies D by m, which would mean multiplying every class's numerator by m — tens of
// thousands of big multiplications per purchase once classes have split many times. Instead
// each class remembers the purchase ("epoch") its numerator was last brought up to date at, and
// is rescaled only when it is next read, by the product of the factors since then.
//
// As a float: the same amount in currency units, rounded once from the exact value when the
// class is made, so its error is a few units in the last place and never accumulates. Floats
// let most projects be ranked without any BigInt work; decisions are still taken exactly.

export class ClassBudgets {
  /** The common denominator now. */
  denominator: bigint;
  /** How far to shift the denominator (and a numerator over it) to make floats of them. */
  private floatShift: bigint;
  /** The denominator shifted by `floatShift`, as a float (every new class divides by it). */
  private denominatorFloat: number;
  /** Numerator of each class over the denominator of its epoch. Class 0 holds nothing. */
  private readonly numerator: bigint[] = [0n];
  private readonly epoch: number[] = [0];
  /** since[e]: the denominator now divided by the denominator at epoch e. */
  private readonly since: bigint[] = [1n];
  /** What one voter of each class holds, in currency units, as the nearest float. */
  approx = new Float64Array(64);

  /** Every one of `voters` voters starts in class 1 with an equal share of `total`. */
  constructor(voters: number, total: bigint) {
    this.denominator = BigInt(voters);
    this.floatShift = floatShift(this.denominator);
    this.denominatorFloat = Number(this.denominator >> this.floatShift);
    this.add(total);
  }

  get count(): number {
    return this.numerator.length;
  }

  /** A new class holding `amount` (over the current denominator); returns its id. */
  add(amount: bigint): number {
    const k = this.numerator.length;
    this.numerator.push(amount);
    this.epoch.push(this.since.length - 1);
    if (k >= this.approx.length) {
      const grown = new Float64Array(this.approx.length * 2);
      grown.set(this.approx);
      this.approx = grown;
    }
    // Shifted by the denominator's length: a class holding a sliver of a unit keeps fewer
    // significant bits, but the error stays below 2⁻⁵⁸ currency units (ABS in the estimate).
    this.approx[k] = amount === 0n ? 0 : Number(amount >> this.floatShift) / this.denominatorFloat;
    return k;
  }

  /** What one voter of class `k` holds, exactly, over the current denominator. */
  have(k: number): bigint {
    const now = this.since.length - 1;
    const e = this.epoch[k]!;
    if (e !== now) {
      this.numerator[k]! *= this.since[e]!;
      this.epoch[k] = now;
    }
    return this.numerator[k]!;
  }

  /** Multiply the common denominator by `m` (numerators catch up lazily in `have`). */
  rescale(m: bigint): void {
    this.denominator *= m;
    this.floatShift = floatShift(this.denominator);
    this.denominatorFloat = Number(this.denominator >> this.floatShift);
    for (let e = 0; e < this.since.length; e++) this.since[e]! *= m;
    this.since.push(1n);
  }
}

/**
 * num/den as a float, for positive BigInts of any size, to within a few units in the last
 * place: both are shifted down until the smaller keeps about 60 significant bits, so neither
 * loses precision that matters and the larger stays within float range as long as the quotient
 * does (here it lies between 2⁻⁶⁴ and 2⁶⁴).
 */
export function ratioToFloat(num: bigint, den: bigint): number {
  const shift = floatShift(num < den ? num : den);
  return Number(num >> shift) / Number(den >> shift);
}

function floatShift(x: bigint): bigint {
  // Hex digits give the bit length to within 3 bits, which is all the precision needed here.
  return BigInt(Math.max(0, x.toString(16).length * 4 - 62));
}
