// A line diff of two texts for the file view: common head and tail trimmed, then a longest common
// subsequence over the middle (bounded, so two huge unrelated files cannot stall a key press).

export interface DiffLine {
  op: ' ' | '+' | '-';
  text: string;
}

/** Lines of `a` → `b`; past `maxCells` comparisons the middle is shown as removed then added. */
export function lineDiff(a: string[], b: string[], maxCells = 4_000_000): DiffLine[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const same = (lines: string[]) => lines.map((text): DiffLine => ({op: ' ', text}));
  return [...same(a.slice(0, head)), ...middle(midA, midB, maxCells), ...same(a.slice(a.length - tail))];
}

function middle(a: string[], b: string[], maxCells: number): DiffLine[] {
  const removed = (text: string): DiffLine => ({op: '-', text});
  const added = (text: string): DiffLine => ({op: '+', text});
  if (a.length === 0 || b.length === 0 || a.length * b.length > maxCells) return [...a.map(removed), ...b.map(added)];
  const w = b.length + 1;
  // lcs[i*w + j]: length of the LCS of a[i..] and b[j..].
  const lcs = new Uint32Array((a.length + 1) * w);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * w + j] = a[i] === b[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({op: ' ', text: a[i]!});
      i++;
      j++;
    } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) out.push(removed(a[i++]!));
    else out.push(added(b[j++]!));
  }
  while (i < a.length) out.push(removed(a[i++]!));
  while (j < b.length) out.push(added(b[j++]!));
  return out;
}
