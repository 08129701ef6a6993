import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** One piece of module-level state found in a source file. */
export interface ModuleStateFinding {
  /** `<path from the repository root>: <binding>`, the allow-list's key. */
  readonly key: string;
  /** What makes it state, e.g. `let`, `new Map`, `mutated in a function: set()`. */
  readonly what: string;
  readonly line: number;
}

/** Collection classes whose instances are mutable unless typed read-only. */
const COLLECTIONS: ReadonlySet<string> = new Set(['Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'Array']);
/** The read-only views the type system enforces for a `Map` / `Set` table. */
const READONLY_VIEWS: ReadonlySet<string> = new Set(['ReadonlyMap', 'ReadonlySet', 'ReadonlyArray']);
/** Methods that change a collection (or an array, or a typed array) in place. */
const MUTATORS: ReadonlySet<string> = new Set([
  'set',
  'add',
  'delete',
  'clear',
  'push',
  'pop',
  'shift',
  'unshift',
  'splice',
  'sort',
  'reverse',
  'fill',
  'copyWithin',
  'deref',
]);

function unwrap(expression: ts.Expression): ts.Expression {
  let e = expression;
  while (
    ts.isAsExpression(e) ||
    ts.isSatisfiesExpression(e) ||
    ts.isParenthesizedExpression(e) ||
    ts.isNonNullExpression(e)
  )
    e = e.expression;
  return e;
}

/** The identifier an access chain (`a.b[c].d`) starts from, if any. */
function rootOf(expression: ts.Expression): ts.Identifier | undefined {
  let e = unwrap(expression);
  while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = unwrap(e.expression);
  return ts.isIdentifier(e) ? e : undefined;
}

/** What is wrong with a top-level `const` initializer, or `undefined` for a constant. */
function initializerState(declaration: ts.VariableDeclaration, file: ts.SourceFile): string | undefined {
  if (declaration.initializer === undefined) return undefined;
  const init = unwrap(declaration.initializer);
  const type = declaration.type;
  const typeName =
    type !== undefined && ts.isTypeReferenceNode(type) ? type.typeName.getText(file) : undefined;
  if (ts.isNewExpression(init)) {
    const name = init.expression.getText(file);
    if (COLLECTIONS.has(name) && typeName !== undefined && READONLY_VIEWS.has(typeName)) return undefined;
    return `new ${name}`;
  }
  if (ts.isCallExpression(init)) {
    const callee = unwrap(init.expression);
    if (ts.isFunctionExpression(callee) || ts.isArrowFunction(callee)) return 'immediately invoked function';
    const name = callee.getText(file);
    if (/(^|\.)(create|memo)\w*$|Cache$/i.test(name)) return `${name}()`;
    return undefined;
  }
  if (ts.isArrayLiteralExpression(init) && init.elements.length === 0) return 'empty array';
  if (ts.isObjectLiteralExpression(init) && init.properties.length === 0) return 'empty object';
  if (ts.isRegularExpressionLiteral(init) && /\/[a-z]*[gy][a-z]*$/.test(init.text))
    return 'global/sticky RegExp (lastIndex)';
  return undefined;
}

/** Names declared in a scope node itself (parameters, its own declarations), for shadowing. */
function declaresName(scope: ts.Node, name: string): boolean {
  const bindsName = (binding: ts.BindingName): boolean =>
    ts.isIdentifier(binding)
      ? binding.text === name
      : binding.elements.some((element) => !ts.isOmittedExpression(element) && bindsName(element.name));
  if (ts.isFunctionLike(scope) && scope.parameters.some((p) => bindsName(p.name))) return true;
  if (ts.isCatchClause(scope) && scope.variableDeclaration !== undefined)
    return bindsName(scope.variableDeclaration.name);
  if (
    (ts.isForStatement(scope) || ts.isForOfStatement(scope) || ts.isForInStatement(scope)) &&
    scope.initializer !== undefined &&
    ts.isVariableDeclarationList(scope.initializer)
  )
    return scope.initializer.declarations.some((d) => bindsName(d.name));
  const statements = ts.isBlock(scope) || ts.isSourceFile(scope) ? scope.statements : undefined;
  return (
    statements?.some(
      (statement) =>
        (ts.isVariableStatement(statement) &&
          statement.declarationList.declarations.some((d) => bindsName(d.name))) ||
        ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) &&
          statement.name?.text === name),
    ) ?? false
  );
}

/** Whether `node` sits inside a function and refers to the module's binding (not a local one). */
function inFunctionAndModuleBinding(node: ts.Identifier): boolean {
  let inFunction = false;
  for (let scope: ts.Node | undefined = node.parent; scope !== undefined; scope = scope.parent) {
    if (ts.isSourceFile(scope)) return inFunction;
    if (declaresName(scope, node.text)) return false;
    if (ts.isFunctionLike(scope) || ts.isClassStaticBlockDeclaration(scope)) inFunction = true;
  }
  return false;
}

/** Mutations, inside functions, of the file's top-level `const` bindings. */
function mutationsOf(file: ts.SourceFile, constants: ReadonlySet<string>): Map<string, ts.Node> {
  const found = new Map<string, ts.Node>();
  const note = (target: ts.Expression, what: string, at: ts.Node) => {
    const root = rootOf(target);
    if (root === undefined || !constants.has(root.text) || found.has(root.text)) return;
    if (unwrap(target) === root && what !== 'call') return; // reassigning a const does not compile
    if (inFunctionAndModuleBinding(root)) found.set(root.text, at);
  };
  const visit = (node: ts.Node): void => {
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      node.operatorToken.kind <= ts.SyntaxKind.LastAssignment
    )
      note(node.left, 'assignment', node);
    else if (
      (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
      (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)
    )
      note(node.operand, 'update', node);
    else if (ts.isDeleteExpression(node)) note(node.expression, 'delete', node);
    else if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      MUTATORS.has(node.expression.name.text)
    )
      note(node.expression.expression, 'call', node);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** Module-level state in one source file (see {@link findModuleState}). */
export function moduleStateOf(path: string, text: string, label: string): ModuleStateFinding[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const findings: ModuleStateFinding[] = [];
  const lineOf = (node: ts.Node) => file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
  const constants = new Set<string>();
  for (const statement of file.statements) {
    if (ts.isVariableStatement(statement)) {
      const isConst = (statement.declarationList.flags & ts.NodeFlags.Const) !== 0;
      for (const declaration of statement.declarationList.declarations) {
        const name = declaration.name.getText(file);
        if (ts.isIdentifier(declaration.name)) constants.add(name);
        const what = isConst ? initializerState(declaration, file) : 'let';
        if (what !== undefined) findings.push({ key: `${label}: ${name}`, what, line: lineOf(declaration) });
      }
    } else if (ts.isClassDeclaration(statement)) {
      for (const member of statement.members) {
        const modifiers = ts.canHaveModifiers(member) ? ts.getModifiers(member) : undefined;
        const isStatic = modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword) ?? false;
        if (isStatic && ts.isPropertyDeclaration(member) && member.initializer !== undefined)
          findings.push({
            key: `${label}: ${statement.name?.text ?? 'class'}.${member.name.getText(file)}`,
            what: 'static property',
            line: lineOf(member),
          });
      }
    }
  }
  for (const [name, at] of mutationsOf(file, constants)) {
    const key = `${label}: ${name}`;
    if (findings.some((f) => f.key === key)) continue;
    findings.push({ key, what: 'mutated inside a function', line: lineOf(at) });
  }
  return findings;
}

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourcesUnder(path);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')
      ? [path]
      : [];
  });
}

/**
 * Module-level mutable state in the `src` of every package: top-level `let`, collections
 * (`Map`, `Set`, `WeakMap`…) not typed read-only, other class instances, caches built by
 * `create…()` calls, empty literals, stateful RegExps, static class fields, and any top-level
 * binding a function mutates. Keys are `<path from the repository root>: <name>`.
 */
export function findModuleState(repoRoot: string): ModuleStateFinding[] {
  return ['engine', 'server', 'agent', 'console'].flatMap((pkg) =>
    sourcesUnder(join(repoRoot, 'packages', pkg, 'src')).flatMap((path) =>
      moduleStateOf(path, readFileSync(path, 'utf8'), relative(repoRoot, path)),
    ),
  );
}
