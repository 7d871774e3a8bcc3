// The linter and formatter of src/, test/, bench/ and scripts/, run by `npm test` (`npm run lint`,
// cached under node_modules/.cache). typescript-eslint's recommended rules, the size limits of the
// team's bar (lines of 150 characters, functions of 80 lines, files of 500 lines in src/), and
// @stylistic's rules as the formatter: the layout the code base is written in, fixed by `npm run lint:fix`.
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import tseslint from 'typescript-eslint';

/** What Node.js defines for the scripts (TypeScript files are checked by the compiler). */
const NODE_GLOBALS = {
  require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly', Buffer: 'readonly',
};

/** Lines of code up to 150 characters; a URL cannot be broken, so a line with one may be longer. */
const maxLen = (extra = {}) => ['error', { code: 150, tabWidth: 2, ignoreUrls: true, ...extra }];

export default tseslint.config(
  {
    ignores: [
      'lib/**', 'dist/**', 'imports/**', 'node_modules/**', 'coverage/**', 'docs/api/**', '.cdk8s-out/**', '.bench/**',
      // generated from the README's examples by `npm run readme-examples`
      'test/readme/**',
      // generated test fixtures
      'test/fixtures/**',
    ],
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: NODE_GLOBALS },
    plugins: { '@stylistic': stylistic },
    rules: {
      '@stylistic/max-len': maxLen(),
      // The formatter: the layout the code is written in.
      '@stylistic/indent': ['error', 2, {
        SwitchCase: 1, flatTernaryExpressions: true, offsetTernaryExpressions: true, ignoredNodes: ['TemplateLiteral *'],
      }],
      '@stylistic/quotes': ['error', 'single', { avoidEscape: true }],
      '@stylistic/semi': ['error', 'always'],
      '@stylistic/comma-dangle': ['error', 'always-multiline'],
      '@stylistic/comma-spacing': 'error',
      '@stylistic/object-curly-spacing': ['error', 'always'],
      '@stylistic/array-bracket-spacing': ['error', 'never'],
      '@stylistic/arrow-parens': ['error', 'always'],
      '@stylistic/arrow-spacing': 'error',
      '@stylistic/keyword-spacing': 'error',
      '@stylistic/space-before-blocks': 'error',
      '@stylistic/space-infix-ops': 'error',
      '@stylistic/key-spacing': 'error',
      '@stylistic/brace-style': ['error', '1tbs', { allowSingleLine: true }],
      '@stylistic/no-trailing-spaces': 'error',
      '@stylistic/eol-last': 'error',
      '@stylistic/no-multiple-empty-lines': ['error', { max: 1, maxEOF: 0, maxBOF: 0 }],
      '@stylistic/member-delimiter-style': 'error',
      '@stylistic/type-annotation-spacing': 'error',
      '@stylistic/no-multi-spaces': ['error', { ignoreEOLComments: true }],
      // The code base's own conventions among typescript-eslint's recommended rules.
      '@typescript-eslint/no-explicit-any': 'off', // manifests are JSON of any shape (Record<string, any>)
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', {
        argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true,
      }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The bar's size limits for the library, the benchmark and the scripts (a test file is a list of
    // cases in describe blocks, so its functions are not limited; its files are not either).
    files: ['src/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.js'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: false, skipComments: false }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'max-lines': ['error', { max: 500, skipBlankLines: true, skipComments: true }] }, // lines of code
  },
  {
    // Tests may keep long strings, template literals and regular expressions (expected messages, YAML) on one line.
    files: ['test/**/*.ts'],
    rules: {
      '@stylistic/max-len': maxLen({ ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }),
      // A test loads the compiled library, or a second copy of it (test/setup/compiled.js), with require().
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['scripts/**/*.js', 'test/setup/*.js', '*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
