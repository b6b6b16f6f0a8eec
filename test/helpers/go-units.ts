// go-units' HumanSize, as podman system df prints sizes: 4 significant digits, decimal units, no
// space — the test side's reading of podman's answers; Docker's CLI prints 3 digits
// (HumanSizeWithPrecision(n, 3)), as layerscope does.
export function goUnitsSize(n: number, precision = 4): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${Number(n.toPrecision(precision))}${units[i]}`;
}
