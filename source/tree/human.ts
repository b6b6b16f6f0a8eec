// Human-readable sizes and ages exactly as Docker prints them (go-units), so our columns
// can be compared with Docker's own output.

const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** Go's fmt `%.<precision>g`: shortest form, trailing zeros dropped, exponent as e+NN. */
export function goG(value: number, precision: number): string {
  if (value === 0) return '0';
  const s = value.toPrecision(precision);
  const [mantissa, exp] = s.split('e');
  const trimmed = mantissa!.includes('.') ? mantissa!.replace(/\.?0+$/, '') : mantissa!;
  if (exp === undefined) return trimmed;
  const n = Number(exp);
  return `${trimmed}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
}

/** go-units HumanSizeWithPrecision (decimal units). */
export function humanSize(bytes: number, precision = 4): string {
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < DECIMAL.length - 1) {
    size /= 1000;
    i++;
  }
  return `${goG(size, precision)}${DECIMAL[i]}`;
}

/** go-units HumanDuration + " ago", as `docker images` prints ages. */
export function humanAge(from: Date | string | undefined, now = new Date()): string {
  if (!from) return 'N/A';
  const seconds = Math.floor((now.getTime() - new Date(from).getTime()) / 1000);
  return `${humanDuration(seconds)} ago`;
}

function humanDuration(seconds: number): string {
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(seconds / 3600);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(hours / 24 / 365)} years`;
}

/** `ls -l` style permission string for a full st_mode. */
export function modeString(mode: number): string {
  const types: Record<number, string> = {0o040000: 'd', 0o120000: 'l', 0o020000: 'c', 0o060000: 'b', 0o010000: 'p', 0o140000: 's'};
  const t = types[mode & 0o170000] ?? '-';
  const rwx = (bits: number, special: boolean, ch: string): string =>
    `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${special ? (bits & 1 ? ch : ch.toUpperCase()) : bits & 1 ? 'x' : '-'}`;
  return t + rwx((mode >> 6) & 7, (mode & 0o4000) !== 0, 's') + rwx((mode >> 3) & 7, (mode & 0o2000) !== 0, 's') + rwx(mode & 7, (mode & 0o1000) !== 0, 't');
}

/** Docker's container status column: "Up 2 hours", "Exited (137) 5 minutes ago", "Created". */
export function containerStatus(state: string, exitCode: number, startedAt?: string, finishedAt?: string, now = new Date()): string {
  const since = (t?: string) => Math.floor((now.getTime() - new Date(t ?? 0).getTime()) / 1000);
  switch (state) {
    case 'running':
      return `Up ${humanDuration(since(startedAt))}`;
    case 'paused':
      return `Up ${humanDuration(since(startedAt))} (Paused)`;
    case 'restarting':
      return `Restarting (${exitCode}) ${humanDuration(since(finishedAt))} ago`;
    case 'exited':
      return `Exited (${exitCode}) ${humanDuration(since(finishedAt))} ago`;
    case 'created':
      return 'Created';
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    default:
      return state;
  }
}
