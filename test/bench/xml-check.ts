/**
 * A strict little XML well-formedness check (XML 1.0 §2.1, the subset an SVG writer emits): one root,
 * tags nested and closed in order, attributes quoted and unique, only the five predefined entities or
 * numeric references. Returns the element names in document order, or throws with the reason.
 */
const NAME = /^[A-Za-z_][\w.:-]*$/;

export function checkWellFormed(xml: string): string[] {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const names: string[] = [];
  let roots = 0;
  let at = 0;
  while (at < body.length) {
    const lt = body.indexOf('<', at);
    checkText(lt === -1 ? body.slice(at) : body.slice(at, lt), stack.length > 0);
    if (lt === -1) break;
    const gt = body.indexOf('>', lt);
    if (gt === -1) throw new Error(`unterminated tag at ${lt}`);
    const tag = body.slice(lt + 1, gt);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open ?? 'nothing'}>`);
    } else {
      const selfClosing = tag.endsWith('/');
      const inner = selfClosing ? tag.slice(0, -1) : tag;
      const name = /^\S+/.exec(inner)?.[0] ?? '';
      if (!NAME.test(name)) throw new Error(`bad element name "${name}"`);
      checkAttributes(inner.slice(name.length), name);
      if (stack.length === 0) roots++;
      names.push(name);
      if (!selfClosing) stack.push(name);
    }
    at = gt + 1;
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('> <')}>`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
  return names;
}

function checkAttributes(text: string, element: string): void {
  const seen = new Set<string>();
  const rest = text.replace(/\s+([A-Za-z_][\w.:-]*)="([^"<]*)"/g, (_, name: string, value: string) => {
    if (seen.has(name)) throw new Error(`<${element}> repeats attribute ${name}`);
    seen.add(name);
    checkText(value, true);
    return '';
  });
  if (rest.trim() !== '') throw new Error(`<${element}> has malformed attributes: "${rest.trim()}"`);
}

function checkText(text: string, inside: boolean): void {
  if (!inside && text.trim() !== '') throw new Error('text outside the root element');
  for (const match of text.matchAll(/&([^;\s]*);?/g)) {
    if (!/^(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+)$/.test(match[1]!) || !match[0].endsWith(';')) {
      throw new Error(`bad entity "${match[0]}"`);
    }
  }
}
