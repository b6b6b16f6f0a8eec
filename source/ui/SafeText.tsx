// Ink's Text with every string child passed through `guard`: whatever a pane renders (names, tags,
// labels, commands, file contents), no control byte or bidi override reaches the terminal raw.
// Panes import Text from here, never from ink.
import {Text as InkText, type TextProps} from 'ink';
import {Children} from 'react';
import {guard} from '../text/escape.js';

export function Text({children, ...props}: TextProps) {
  return <InkText {...props}>{Children.map(children, (c) => (typeof c === 'string' ? guard(c) : c))}</InkText>;
}
