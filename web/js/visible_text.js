// Text from outside the page (a link, a file name, a weights file's rule and tensor names as the
// core quotes them) made fit to show. The page sets such text with textContent only, so it can
// never become HTML; this keeps it from misleading or flooding the reader:
// - control characters (C0 including NUL, DEL, C1) and the invisible format characters that
//   reorder or hide text (bidi embeddings, overrides and isolates, LRM/RLM/ALM, zero-width
//   space/joiners, word joiner, BOM) are shown as escapes like \u{202E}, so "‮fdp.exe" cannot
//   pass for "exe.pdf";
// - a lone surrogate (not a character at all) becomes U+FFFD;
// - text longer than `max` UTF-16 units is cut there, with an ellipsis.
//
//   visibleText('a\u202Eb', 40) === 'a\\u{202E}b'

// One alternation: an invisible or control character, or a lone surrogate.
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function visibleText(text, max = 200) {
  const shown = String(text).replace(HIDDEN, (c) => {
    const code = c.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdfff) return '\ufffd';
    return `\\u{${code.toString(16).toUpperCase().padStart(4, '0')}}`;
  });
  if (shown.length <= max) return shown;
  // Never cut a surrogate pair in two.
  const end = /[\ud800-\udbff]/.test(shown[max - 1]) ? max - 1 : max;
  return `${shown.slice(0, end)}…`;
}
