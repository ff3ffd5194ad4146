// ESLint's nearest equivalent of ttminis's domain rules, for bench/lint_bench.py: the same
// platform calls restricted per domain with `no-restricted-syntax` selectors. Run from the
// corpus folder: `eslint -c <this file> --no-cache .`
const call = (name) => `CallExpression[callee.property.name='${name}']`;

const openDataOnly = ["shareToUser", "getFriendCloudStorage", "getUserCloudStorage", "onMessage"];
const mainOnly = ["shareAppMessage", "shareToStory", "getOpenDataContext", "authorizeOpenContext"];
const dynamicCode = [
  { selector: "CallExpression[callee.name='eval']", message: "TTM501 dynamic code" },
  { selector: "NewExpression[callee.name='Function']", message: "TTM501 dynamic code" },
];

export default [
  {
    files: ["**/*.js"],
    languageOptions: { ecmaVersion: "latest", sourceType: "module" },
    linterOptions: { reportUnusedDisableDirectives: "off" },
    rules: {
      "no-restricted-syntax": ["error",
        ...openDataOnly.map((n) => ({ selector: call(n), message: `TTM101 ${n} is open-data only` })),
        ...dynamicCode],
    },
  },
  {
    files: ["openDataContext/**/*.js"],
    rules: {
      "no-restricted-syntax": ["error",
        ...mainOnly.map((n) => ({ selector: call(n), message: `TTM102 ${n} is main-domain only` })),
        { selector: "CallExpression[callee.name='fetch']", message: "TTM104 no network in open data" },
        { selector: "CallExpression[callee.property.name='postMessage']", message: "TTM105 one-way messaging" },
        ...dynamicCode],
    },
  },
];
