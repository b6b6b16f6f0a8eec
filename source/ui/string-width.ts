// string-width with a faster path for the text the explorer draws, swapped in for Ink (and
// cli-truncate, widest-line) when the CLI is bundled (scripts/bundle.mjs). string-width measures
// any text that is not plain ASCII with Intl.Segmenter and several Unicode regexes per cluster:
// every pane line has box-drawing borders, and that was the biggest cost of the first frame.
//
// Characters of SIMPLE never join a neighbour into one grapheme cluster (no marks, joiners,
// selectors, controls, regional indicators or Hangul jamo; checked pair by pair in the test), so
// a string made of them has the sum of its characters' widths. For each of them string-width's
// answer is its East Asian Width (checked for every one in the test): asking get-east-asian-width
// directly spares the first frame string-width's first call on such text, which compiles its
// emoji and property regexes (~20–120 ms of the first frame). Escape sequences are taken out first,
// as string-width does: Ink measures styled text with its colour codes.
import {eastAsianWidth} from 'get-east-asian-width';
import stringWidth, {type Options} from 'string-width';
import stripAnsi from 'strip-ansi';

/** Latin-1 and Latin Extended, general punctuation, arrows, box drawing, blocks, geometric shapes, Braille (the spinners). */
export const SIMPLE = /^[\u0020-\u007e\u00a0-\u00ac\u00ae-\u02ff\u2010-\u2027\u2030-\u205e\u2190-\u21ff\u2500-\u25ff\u2800-\u28ff]*$/;

export default function fastStringWidth(text: string, options: Options = {}): number {
  if (typeof text !== 'string') return stringWidth(text, options);
  const plain = !options.countAnsiEscapeCodes && (text.includes('\u001b') || text.includes('\u009b')) ? stripAnsi(text) : text;
  if (!SIMPLE.test(plain)) return stringWidth(text, options);
  const ambiguousAsWide = options.ambiguousIsNarrow === false;
  let width = 0;
  for (let i = 0; i < plain.length; i++) {
    const c = plain.charCodeAt(i);
    width += c < 0x7f ? 1 : eastAsianWidth(c, {ambiguousAsWide});
  }
  return width;
}
