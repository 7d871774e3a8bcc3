/**
 * The header values istiod accepts in a header operation (validation.go, ValidateHTTPHeaderValue):
 * no control characters but tab, and the `%` command-operator syntax Envoy parses
 * (header_value_validator.go, validateHeaderValue, itself a port of Envoy's
 * source/common/router/header_parser.cc, parseInternal). Only the syntax is checked, not that
 * the operator between the `%`s is one Envoy knows: `100%%`, `%HOSTNAME%` and
 * `%REQ(x-user)%` pass, `abc%123` and `%START_TIME%%` do not
 * (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#custom-request-response-headers).
 */

/** Control characters other than tab (validation.go, httpHeaderValueRegexp). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000A-\u001F\u007F]/;

/** Where the parser is within a value: literal text, or a part of `%NAME(["arg", ...])%`. */
type State = 'literal' | 'name' | 'argsOpen' | 'argOpen' | 'arg' | 'argNext' | 'argsClose' | 'operatorClose';

/** Only a space counts as white space between the parts of an operator (header_value_validator.go, isSpace). */
const space = (c: string) => c === ' ';

/** Why istiod refuses `value` as a header operation's value, or undefined if it accepts it. */
export function headerValueProblem(value: string): string | undefined {
  if (CONTROL.test(value)) return 'a header value may not hold control characters';
  let state: State = 'literal';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    switch (state) {
      case 'literal':
        if (c !== '%') break;
        if (i + 1 >= value.length) return "a '%' at the end is not escaped: write '%%' for a literal '%'";
        if (value[i + 1] === '%') i++;
        else state = 'name';
        break;
      case 'name':
        // `%NAME%` ends here; `%NAME(` opens its arguments.
        if (c === '%') state = 'literal';
        else if (c === '(') state = 'argsOpen';
        break;
      case 'argsOpen':
        // `(["a", "b"])` is a JSON array; anything else but a space starts one bare argument.
        if (c === '[') state = 'argOpen';
        else if (!space(c)) state = 'arg';
        break;
      case 'argNext':
        if (c === ',') state = 'argOpen';
        else if (c === ']') state = 'argsClose';
        else if (!space(c)) return `expected ',', ']' or a space at ${i} in an operator's arguments`;
        break;
      case 'argOpen':
        if (c === '"') state = 'arg';
        else if (!space(c)) return `expected '"' at ${i} to open an operator's argument`;
        break;
      case 'arg':
        if (c === '\\') {
          if (i + 1 >= value.length) return 'a backslash ends the value inside an operator\'s argument';
          i++;
        } else if (c === ')') state = 'operatorClose';
        else if (c === '"') state = 'argNext';
        break;
      case 'argsClose':
        if (c === ')') state = 'operatorClose';
        else if (!space(c)) return `expected ')' or a space at ${i} after an operator's arguments`;
        break;
      case 'operatorClose':
        if (c === '%') state = 'literal';
        else if (!space(c)) return `expected '%' or a space at ${i} to close an operator`;
        break;
    }
  }
  if (state !== 'literal') return "an operator opened by '%' is not closed: write '%%' for a literal '%'";
  return undefined;
}
