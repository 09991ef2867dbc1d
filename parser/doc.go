// Package parser turns flowppl source text into the syntax tree of package
// ast.
//
// ParseFile parses a whole script, ParseExpr one expression, and
// ParseInteractive a REPL entry, telling incomplete input (IsIncomplete)
// from a real error. Errors are ast.ErrorList values whose messages read
// "file:line:col: what was found, expected what", e.g.
//
//	t.flow:1:9: unexpected newline, expected an expression
//	t.flow:3:5: "(" is never closed
//	t.flow:1:1: "to" is a keyword and cannot be used as a name
//	t.flow:1:15: unknown objective "kll", expected one of kl, forward_kl, reverse_kl, elbo, simulation (did you mean "kl"?)
//
// # How it works
//
// A hand-written lexer (rawLex) splits the text into raw tokens.
// A scanner pass then drops spaces, keeps comments aside (ast.File.Comments,
// which ast.Format prints), marks keywords, checks
// brackets (an unclosed bracket is reported where it was opened), validates
// numbers and strings, and decides which newlines end statements:
//
//   - newlines inside ( ) and [ ] are ignored;
//   - newlines inside the { } of fit options separate options, as commas do;
//   - newlines at the top level and inside the { } bodies of fn, for, if and
//     model separate statements, as ";" does; blank lines and runs of
//     separators collapse;
//   - a newline right after a binary operator (+ - * / @ ^ comparisons and,
//     or, not) does not end the statement, so a long expression may be broken
//     after an operator; a newline before "else" is ignored, so "}" and
//     "else" may be on separate lines.
//
// A "{" is fit options when it follows a fit header at the same bracket
// depth on the same line, and a statement block otherwise.
//
// Statements are parsed by a participle struct grammar (grammar.go);
// expressions by a precedence-climbing parser plugged into it with
// participle.ParseTypeWith (expr.go), for speed and for precise messages.
//
// # Errors
//
// The expression parser writes its own messages. Where participle's grammar
// stops, its error values give the position and the unexpected token (never
// their text); what the grammar would have accepted there is found by
// asking participle again: the statement is parsed once per probe token (a
// name, a number, "for", "(", ",", "=", "{", "}", a newline, ...) put in
// place of the unexpected one, and a probe is expected when participle gets
// past it. Inside a block participle backs out of a failing statement;
// parsing the rest of the block on its own gives the position where the
// statement failed.
//
// Nesting is bounded: brackets nest at most 1000 levels, and a tree at most
// ast.MaxDepth (a chain of operators counts one level per operator), so
// that no later pass can overflow the Go stack.
//
// # Large inputs and time limits
//
// A script of millions of terms must fail fast, not fill memory. The scanner
// counts the links of the chain of operators it is in (operators, and the
// "(", "[" and "." of calls, indexes and fields, since the last separator,
// comma, "=" or keyword at that bracket level); when a chain passes
// ast.MaxDepth it keeps the tokens only a little past that operator and goes
// on checking the rest of the text without storing it. If the expression
// parser then stops with an error at or before that operator, that is the
// error of the whole script (the parser never looked further); otherwise (a
// long chain that is shallow, such as a sum of products) the script is
// scanned again in full. So the 1.5-million-term sum `x = 1 + 1 + ...` (6 MB)
// fails with "expression nested deeper than 5000 levels" at its 5,001st "+"
// in about a quarter of a second and 9 MB (BenchmarkParseHuge).
//
// ParseFileContext and ParseExprContext take a context: the scanner looks at
// it every 4096 raw tokens and the grammar every 256 expressions, and a done
// context stops the parse with an *InterruptedError wrapping its cause. The
// interpreter passes its Thread's context, so an embedding's time limit
// covers parsing.
//
// # Grammar
//
//	file     = [ stmt { SEP stmt } ] .
//	stmt     = expr [ ("=" | "~") expr ]
//	         | "fn" name params ( "=" expr | block )
//	         | "model" name params block
//	         | "for" name "in" expr block
//	         | "if" expr block [ "else" ( if | block ) ]
//	         | "return" [ expr ] .
//	block    = "{" [ stmt { SEP stmt } ] "}" .
//	params   = "(" [ name { "," name } [","] ] ")" .
//	expr     = unary { binop unary } .           // precedence below
//	unary    = "-" unary | "not" unary | postfix .
//	postfix  = primary { "(" args ")" | "[" index { "," index } [","] "]" | "." name } .
//	index    = expr | [ expr ] ":" [ expr ] .
//	args     = [ arg { "," arg } [","] ] .      // keyword args after positional
//	arg      = [ name "=" ] expr .
//	primary  = name | number | string | "true" | "false" | "none"
//	         | "(" expr ")" | "[" [ expr { "," expr } [","] ] "]"
//	         | "flow" name [ "(" args ")" ]
//	         | "fit" expr "to" expr [ "given" expr ] [ "by" objective ] [ "{" [ option { ("," | SEP) option } ] "}" ] .
//	option   = name "=" expr .
//
// Precedence, loosest first: or; and; not; comparisons (== != < <= > >=,
// which do not chain: a < b < c is an error); + -; * / @; unary -; ^ (right
// associative, and its exponent may start with a unary minus: 2^-1);
// calls, indexes and fields. So -2^2 is -(2^2) and not a == b is
// not (a == b). A prefix operator takes everything that binds at least as
// tightly as it requires, so a == not b is accepted as a == (not b).
// A fit extends as far right as it can (its target is a whole
// expression); parenthesise it to use it as an operand: (fit q to t).loss.
//
// Some checks belong to later passes and are not made here: `~` outside a
// model body, `return` outside a function, and whether a name in a flow
// expression is a bijector.
package parser
