// A spinner while the store opens (an archive's index takes a moment; runTui draws it only when
// opening is slow), then the explorer, or why the store could not be opened.
import {useApp} from 'ink';
import {Text} from './SafeText.js';
import {useEffect, useState} from 'react';
import type {LayerStore} from '../store/store.js';
import {App} from './App.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface LoaderProps {
  open: () => LayerStore | Promise<LayerStore>;
  label: string;
  select?: string;
  live?: boolean;
}

export function Loader({open, label, select, live}: LoaderProps) {
  const {exit} = useApp();
  const [store, setStore] = useState<LayerStore>();
  const [error, setError] = useState<string>();
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    const spin = setInterval(() => setFrame((f) => (f + 1) % FRAMES.length), 80);
    const timer = setTimeout(() => {
      Promise.resolve()
        .then(open)
        .then(setStore, (err: Error) => setError(err.message))
        .finally(() => clearInterval(spin));
    }, 0);
    return () => {
      clearInterval(spin);
      clearTimeout(timer);
    };
  }, [open]);
  useEffect(() => {
    if (error) exit(new Error(error));
  }, [error, exit]);
  if (store) return <App store={store} select={select} live={live} />;
  if (error) return <Text>layerscope: {error}</Text>;
  return (
    <Text>
      {FRAMES[frame]} indexing {label}…
    </Text>
  );
}
