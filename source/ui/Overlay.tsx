// Full-screen overlays: every key (?), scrollable and made from the key table, and the problems
// found while reading the store (!).
import {Box} from 'ink';
import {Text} from './SafeText.js';
import type {Problem} from '../store/problems.js';
import {BINDINGS, keysLabel} from './keys.js';
import {wrap} from './text.js';
import {tone} from './theme.js';

export interface HelpLine {
  keys: string;
  text: string;
}

/** The help as lines of `width` columns: keys on the left, what they do (and where) wrapped on the right. */
export function helpLines(width: number): HelpLine[] {
  const keyWidth = Math.min(24, Math.max(...BINDINGS.map((b) => keysLabel(b).length)));
  const out: HelpLine[] = [];
  for (const b of BINDINGS) {
    const keys = wrap(keysLabel(b), keyWidth);
    const text = wrap(`${b.help} (${b.where.join(', ')})`, Math.max(10, width - keyWidth - 1));
    for (let i = 0; i < Math.max(keys.length, text.length); i++) out.push({keys: (keys[i] ?? '').padEnd(keyWidth), text: text[i] ?? ''});
  }
  return out;
}

/** Rows of help text an overlay of `height` rows shows at once. */
export const helpPage = (height: number) => Math.max(1, height - 3);

export function HelpOverlay({width, height, scroll}: {width: number; height: number; scroll: number}) {
  const lines = helpLines(width - 2);
  const page = helpPage(height);
  const top = Math.max(0, Math.min(scroll, lines.length - page));
  const end = Math.min(lines.length, top + page);
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="double" borderColor={tone('focus')} overflow="hidden">
      <Text bold wrap="truncate">
        Keys {top + 1}–{end} of {lines.length} · ↑↓ PgUp PgDn scroll · Esc or ? closes
      </Text>
      {lines.slice(top, end).map((l, i) => (
        <Text key={i} wrap="truncate">
          <Text bold>{l.keys}</Text> {l.text}
        </Text>
      ))}
    </Box>
  );
}

export function ProblemsOverlay({problems, notices, width, height}: {problems: Problem[]; notices: string[]; width: number; height: number}) {
  // Two lines a problem: the item cut from the left (its tail names it best), then the message whole.
  const lines = [
    ...notices.map((n, i) => (
      <Text key={`n${i}`} wrap="wrap">
        note: {n}
      </Text>
    )),
    ...problems.flatMap((p, i) => [
      <Text key={`i${i}`} wrap="truncate-start">
        {p.item}
      </Text>,
      <Text key={`m${i}`} color={tone('warn')} wrap="truncate">
        {' '}
        {p.message}
      </Text>,
    ]),
  ];
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="double" borderColor={tone('warn')} overflow="hidden">
      <Text bold wrap="truncate">
        Problems ({problems.length}) — the rest of the store is still shown; any key closes
      </Text>
      {lines.length === 0 ? <Text>none</Text> : lines.slice(0, height - 3)}
    </Box>
  );
}
