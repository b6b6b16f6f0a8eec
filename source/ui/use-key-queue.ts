// One render per key: a key is handled in Ink's input event, its dispatches batched into one
// render. Until that render commits, further keys (key repeat, pasted text, scripted terminals)
// wait in a queue and are handled one per commit, so each sees the state the previous one made.
import {useInput, type Key} from 'ink';
import {useCallback, useLayoutEffect, useReducer, useRef} from 'react';
import {splitKeys} from './keys.js';

export function useKeyQueue(handleKey: (input: string, key: Key) => void, onKey: () => void): void {
  const handler = useRef(handleKey);
  const queue = useRef<[string, Key][]>([]);
  const pending = useRef(false);
  const [, kick] = useReducer((n: number) => n + 1, 0);
  const take = (): void => {
    const next = queue.current.shift();
    if (!next) return;
    pending.current = true;
    handler.current(...next);
    // Batched with the key's own dispatches; a key that changes nothing still gets a commit to clear `pending`.
    kick();
  };
  // A layout effect runs in the commit, before another input event could see a stale handler.
  useLayoutEffect(() => {
    handler.current = handleKey;
    pending.current = false;
    take();
  });
  const notify = useRef(onKey);
  notify.current = onKey;
  useInput(
    useCallback((input: string, key: Key) => {
      notify.current();
      for (const k of splitKeys(input, key)) queue.current.push(k); // a paste can be any length
      if (!pending.current) take();
    }, []),
  );
}
