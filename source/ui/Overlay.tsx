// Full-screen overlays: every key (?), and the problems found while reading the store (!).
import {Box, Text} from 'ink';
import type {Problem} from '../store/problems.js';
import {BINDINGS} from './keymap.js';
import {tone} from './theme.js';

export function HelpOverlay({width, height}: {width: number; height: number}) {
  const keyWidth = Math.max(...BINDINGS.map((b) => b.keys.length));
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="double" borderColor={tone('focus')} overflow="hidden">
      <Text bold>Keys (any key closes; dive users: ctrl+space, ctrl+a/r/u, ctrl+f, ctrl+l work as in dive)</Text>
      {BINDINGS.map((b, i) => (
        <Text key={i} wrap="truncate">
          <Text bold>{b.keys.padEnd(keyWidth)}</Text> {b.help} <Text dimColor>({b.where})</Text>
        </Text>
      ))}
    </Box>
  );
}

export function ProblemsOverlay({problems, notices, width, height}: {problems: Problem[]; notices: string[]; width: number; height: number}) {
  // Two lines a problem: the item cut from the left (its tail names it best), then the message whole.
  const lines = [
    ...notices.map((n, i) => <Text key={`n${i}`} wrap="wrap">note: {n}</Text>),
    ...problems.flatMap((p, i) => [
      <Text key={`i${i}`} wrap="truncate-start">{p.item}</Text>,
      <Text key={`m${i}`} color={tone('warn')} wrap="truncate">  {p.message}</Text>,
    ]),
  ];
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="double" borderColor={tone('warn')} overflow="hidden">
      <Text bold>Problems ({problems.length}) — the rest of the store is still shown; any key closes</Text>
      {lines.length === 0 ? <Text dimColor>none</Text> : lines.slice(0, height - 3)}
    </Box>
  );
}
