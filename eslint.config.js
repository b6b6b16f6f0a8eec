// Lint: typescript-eslint's recommended rules everywhere; the rules of React hooks in the explorer.
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {ignores: ['dist/', 'node_modules/', 'fixtures/', 'bench/']},
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
    },
  },
  {
    // The classic two rules: the React Compiler's newer ones (refs read during render...) flag the
    // windowed lists' deliberate render-time scroll state.
    files: ['source/ui/**/*.{ts,tsx}', 'test/ui/**/*.{ts,tsx}'],
    plugins: {'react-hooks': reactHooks},
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
    },
  },
);
