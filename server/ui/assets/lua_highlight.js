// lua_highlight.js: a small Lua tokenizer for the workflow source view:
// keywords, strings (quoted and long brackets), comments (line and long),
// numbers. Output is DOM built with textContent (never HTML), one
// <span class="line"> per line so CSS can number them.

const KEYWORDS = new Set(['and', 'break', 'do', 'else', 'elseif', 'end', 'false', 'for', 'function', 'goto', 'if',
  'in', 'local', 'nil', 'not', 'or', 'repeat', 'return', 'then', 'true', 'until', 'while']);

// The end of a long bracket opened at `i` ("[", "=" * level, "["), or -1
// when `i` does not open one. Returns [level, index after the opener].
function longOpen(src, i) {
  if (src[i] !== '[') return null;
  let j = i + 1;
  while (src[j] === '=') j++;
  return src[j] === '[' ? [j - i - 1, j + 1] : null;
}

function longClose(src, from, level) {
  const close = ']' + '='.repeat(level) + ']';
  const k = src.indexOf(close, from);
  return k < 0 ? src.length : k + close.length;
}

// [{type: 'kw'|'str'|'com'|'num'|'text', text}]
export function tokenize(src) {
  const out = [];
  let text = '';
  const push = (type, value) => {
    if (text) { out.push({ type: 'text', text }); text = ''; }
    out.push({ type, text: value });
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === '-' && src[i + 1] === '-') {
      const open = longOpen(src, i + 2);
      const end = open ? longClose(src, open[1], open[0]) : (src.indexOf('\n', i) < 0 ? src.length : src.indexOf('\n', i));
      push('com', src.slice(i, end));
      i = end;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      j = Math.min(j + 1, src.length);
      push('str', src.slice(i, j));
      i = j;
    } else if (c === '[' && longOpen(src, i)) {
      const [level, start] = longOpen(src, i);
      const end = longClose(src, start, level);
      push('str', src.slice(i, end));
      i = end;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] || ''))) {
      const m = /^(?:0[xX](?:[0-9a-fA-F]*\.?[0-9a-fA-F]*)(?:[pP][+-]?[0-9]+)?|(?:[0-9]*\.?[0-9]*)(?:[eE][+-]?[0-9]+)?)/.exec(src.slice(i, i + 100));
      const len = Math.max(1, m[0].length);
      push('num', src.slice(i, i + len));
      i += len;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i, i + 256));
      if (KEYWORDS.has(m[0])) push('kw', m[0]);
      else text += m[0];
      i += m[0].length;
    } else {
      text += c;
      i += 1;
    }
  }
  if (text) out.push({ type: 'text', text });
  return out;
}

// Fills `code` (a <code>) with the highlighted source.
export function highlight(code, src) {
  const frag = document.createDocumentFragment();
  let line = document.createElement('span');
  line.className = 'line';
  const addText = (type, text) => {
    if (!text) return;
    if (type === 'text') {
      line.appendChild(document.createTextNode(text));
    } else {
      const span = document.createElement('span');
      span.className = 'tok-' + type;
      span.textContent = text;
      line.appendChild(span);
    }
  };
  for (const token of tokenize(src)) {
    const pieces = token.text.split('\n');
    pieces.forEach((piece, k) => {
      if (k > 0) {
        line.appendChild(document.createTextNode('\n'));
        frag.appendChild(line);
        line = document.createElement('span');
        line.className = 'line';
      }
      addText(token.type, piece);
    });
  }
  if (line.childNodes.length) frag.appendChild(line);
  while (code.firstChild) code.removeChild(code.firstChild);
  code.appendChild(frag);
}
