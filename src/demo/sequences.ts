/** Numbers 1, 2, 3 … counted apart per key (a district's plots, a year's permits), in the order asked. */
export class Sequences {
  private readonly last = new Map<string, number>();

  next(key: string): number {
    const n = (this.last.get(key) ?? 0) + 1;
    this.last.set(key, n);
    return n;
  }
}
