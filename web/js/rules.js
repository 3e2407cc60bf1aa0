// What the page says about each learning rule: its name, a plain-language explanation and the
// paper it comes from. Text only (set with textContent); no markup.

export const RULE_INFO = {
  ff: {
    tag: 'Forward-Forward',
    name: 'Forward-Forward (supervised)',
    short: 'FF',
    paper: { title: 'Hinton 2022, The Forward-Forward Algorithm', url: 'https://arxiv.org/abs/2212.13345' },
    text: [
      'Two forward passes replace the forward and backward passes of backprop. The label is written into the first pixels of the image: with the right label the image is "positive" data, with a wrong label it is "negative" data.',
      'Every layer learns on its own: it tries to make its goodness (the sum of its squared activities) high for positive data and low for negative data. No error signal travels backwards between layers. To classify, the network tries every label and picks the one with the most goodness.',
    ],
  },
  'ff-unsup': {
    tag: 'FF without labels',
    name: 'Forward-Forward (unsupervised)',
    short: 'FF-U',
    paper: { title: 'Hinton 2022, The Forward-Forward Algorithm', url: 'https://arxiv.org/abs/2212.13345' },
    text: [
      'The layers never see a label. Negative data are hybrid images: two digits glued together through a blurry random mask, which look real up close but not as a whole. Each layer learns to give real images high goodness and hybrids low goodness.',
      'A simple linear classifier then reads the digit out of the features the layers learned.',
    ],
  },
  fgw: {
    tag: 'weight perturbation',
    name: 'Forward gradient, weight perturbation (FG-W)',
    short: 'FG-W',
    paper: { title: 'Baydin et al. 2022, Gradients without Backpropagation', url: 'https://arxiv.org/abs/2202.08587' },
    text: [
      'Pick a random direction for all the weights at once. A single forward pass in "forward mode" tells exactly how fast the loss changes along that direction. Step along the direction, scaled by that slope: on average this is the true gradient, with no backward pass.',
      'The catch is noise: with hundreds of thousands of weights, one random direction says little, so learning is slow and needs a small learning rate.',
    ],
  },
  fga: {
    tag: 'activity perturbation',
    name: 'Forward gradient, activity perturbation (FG-A)',
    short: 'FG-A',
    paper: { title: 'Ren et al. 2022, Scaling Forward Gradient With Local Losses', url: 'https://arxiv.org/abs/2210.03310' },
    text: [
      'Instead of nudging every weight, nudge the activities of the neurons, which are far fewer. The forward pass measures how the loss responds, and each weight update follows from its neuron\'s nudge and its input.',
      'The estimate is much less noisy than FG-W (by about the number of inputs per neuron), and skipping neurons that are switched off cuts the noise further.',
    ],
  },
  'lg-fga': {
    tag: 'local losses',
    name: 'Local losses + forward gradient (LG-FG-A)',
    short: 'LG-FG-A',
    paper: { title: 'Ren et al. 2022, Scaling Forward Gradient With Local Losses', url: 'https://arxiv.org/abs/2210.03310' },
    text: [
      'The network is cut into blocks, and each block (or group of neurons within it) gets its own small classifier and its own loss. Activity-perturbation forward gradients then only need to travel to the nearest local loss, which keeps their noise low.',
      'This is the combination that brought forward gradients close to backprop on MNIST in the paper.',
    ],
  },
  bp: {
    tag: 'backprop baseline',
    name: 'Backpropagation (the baseline)',
    short: 'BP',
    paper: { title: 'Rumelhart, Hinton, Williams 1986, Learning representations by back-propagating errors', url: 'https://doi.org/10.1038/323533a0' },
    text: [
      'The standard way: run the network forward, measure the error at the output, then send it backwards through every layer to get the exact gradient of every weight.',
      'Every other rule on this page is measured against it: how close does each get to backprop\'s accuracy, and at what cost?',
    ],
  },
};

// --- the explanation panel -------------------------------------------------------------------
// Per rule: the idea in three sentences, the update rule as MathML (built with DOM APIs, no
// library: Chromium, Firefox and Safari render MathML Core), what to watch, and the citation.
// A formula is a tree of [tag, ...children]; a string child is text.
const mi = (t) => ['mi', t];
const mo = (t) => ['mo', t];
const mn = (t) => ['mn', t];
const row = (...c) => ['mrow', ...c];
const sub = (b, s) => ['msub', b, s];
const sup = (b, s) => ['msup', b, s];
const subsup = (b, s, p) => ['msubsup', b, s, p];
const frac = (a, b) => ['mfrac', a, b];
const W = (l = 'l') => sub(mi('W'), mi(l));
const h = (l) => sub(mi('h'), l);
const eta = mi('η');
const update = (rhs) => row(W(), mo('←'), W(), mo('−'), eta, rhs);

export const RULE_PANEL = {
  ff: {
    idea: [
      'Each layer sees an image twice: once with the right label written into its first pixels (positive) and once with a wrong label (negative).',
      'Every layer adjusts only its own weights so that its goodness, the sum of its squared activities, is above a threshold θ for positives and below it for negatives.',
      'Nothing travels backwards between layers, and a digit is classified by trying all ten labels and keeping the one with the most goodness.',
    ],
    formula: [
      row(sub(mi('G'), mi('l')), mo('='), row(['munder', mo('∑'), mi('j')], sup(sub(mi('h'), row(mi('l'), mo(','), mi('j'))), mn('2')))),
      row(sub(mi('L'), mi('l')), mo('='), mo('−'), mi('log'), mi('σ'), row(mo('('), sup(sub(mi('G'), mi('l')), mo('+')), mo('−'), mi('θ'), mo(')')),
        mo('−'), mi('log'), mi('σ'), row(mo('('), mi('θ'), mo('−'), sup(sub(mi('G'), mi('l')), mo('−')), mo(')'))),
      update(frac(row(mo('∂'), sub(mi('L'), mi('l'))), row(mo('∂'), W()))),
    ],
    watch: 'In "What the rule sees", each layer\'s positive and negative goodness curves should pull apart; accuracy climbs more slowly per example than backprop.',
    cite: { authors: 'Geoffrey Hinton', year: 2022, title: 'The Forward-Forward Algorithm: Some Preliminary Investigations', venue: 'arXiv:2212.13345', url: 'https://arxiv.org/abs/2212.13345' },
  },
  'ff-unsup': {
    idea: [
      'The layers never see a label: positives are real images and negatives are hybrids of two images glued together through a blurry random mask.',
      'Each layer learns, on its own, high goodness for real images and low goodness for hybrids, which forces it to pick up shapes that span the whole digit.',
      'A linear classifier trained on the learned features then reads the digit out.',
    ],
    formula: [
      row(sup(mi('x'), mo('−')), mo('='), mi('m'), mo('⊙'), sub(mi('x'), mi('a')), mo('+'), row(mo('('), mn('1'), mo('−'), mi('m'), mo(')')), mo('⊙'), sub(mi('x'), mi('b'))),
      row(sub(mi('L'), mi('l')), mo('='), mo('−'), mi('log'), mi('σ'), row(mo('('), sup(sub(mi('G'), mi('l')), mo('+')), mo('−'), mi('θ'), mo(')')),
        mo('−'), mi('log'), mi('σ'), row(mo('('), mi('θ'), mo('−'), sup(sub(mi('G'), mi('l')), mo('−')), mo(')'))),
      update(frac(row(mo('∂'), sub(mi('L'), mi('l'))), row(mo('∂'), W()))),
    ],
    watch: 'The goodness curves separate real from hybrid images; the accuracy comes from the linear readout, so it lags behind the goodness.',
    cite: { authors: 'Geoffrey Hinton', year: 2022, title: 'The Forward-Forward Algorithm: Some Preliminary Investigations', venue: 'arXiv:2212.13345', url: 'https://arxiv.org/abs/2212.13345' },
  },
  fgw: {
    idea: [
      'Draw one random direction v for all the weights at once.',
      'A forward pass in forward mode gives the directional derivative ∇L·v exactly, with no backward pass.',
      'Stepping along v scaled by that slope is an unbiased estimate of the gradient, but a very noisy one when there are many weights.',
    ],
    formula: [
      row(mi('v'), mo('∼'), mi('𝒩'), row(mo('('), mn('0'), mo(','), mi('I'), mo(')'))),
      row(mi('g'), mo('='), row(mo('('), sub(mo('∇'), mi('θ')), mi('L'), mo('·'), mi('v'), mo(')')), mi('v')),
      row(mi('θ'), mo('←'), mi('θ'), mo('−'), eta, mi('g')),
    ],
    watch: 'Switch on "Cosine to true gradient": it stays near zero (the estimate points almost anywhere), and the loss falls slowly.',
    cite: { authors: 'Atılım Güneş Baydin, Barak A. Pearlmutter, Don Syme, Frank Wood, Philip Torr', year: 2022, title: 'Gradients without Backpropagation', venue: 'arXiv:2202.08587', url: 'https://arxiv.org/abs/2202.08587' },
  },
  fga: {
    idea: [
      'Perturb the activities of the neurons instead of the weights: there are far fewer of them.',
      'One forward-mode pass measures how the loss responds to the random nudge u of the pre-activations z.',
      'Each weight update is that estimate times the layer\'s input, so its noise shrinks with the number of neurons rather than the number of weights.',
    ],
    formula: [
      row(sub(mi('u'), mi('l')), mo('∼'), mi('𝒩'), row(mo('('), mn('0'), mo(','), mi('I'), mo(')'))),
      row(sub(mi('ĝ'), mi('l')), mo('='), row(mo('('), sub(mo('∇'), sub(mi('z'), mi('l'))), mi('L'), mo('·'), sub(mi('u'), mi('l')), mo(')')), sub(mi('u'), mi('l'))),
      update(row(sub(mi('ĝ'), mi('l')), subsup(mi('h'), row(mi('l'), mo('−'), mn('1')), mo('⊤')))),
    ],
    watch: 'The cosine to the true gradient is clearly above FG-W\'s; accuracy rises faster than FG-W, slower than backprop.',
    cite: { authors: 'Mengye Ren, Simon Kornblith, Renjie Liao, Geoffrey Hinton', year: 2023, title: 'Scaling Forward Gradient With Local Losses', venue: 'ICLR 2023, arXiv:2210.03310', url: 'https://arxiv.org/abs/2210.03310' },
  },
  'lg-fga': {
    idea: [
      'The network is split into blocks and groups of neurons, each with its own small classifier and local loss.',
      'Activity-perturbation forward gradients only need to reach the nearest local loss, so each estimate involves few neurons and little noise.',
      'No error travels between blocks: every group learns from its own loss.',
    ],
    formula: [
      row(mi('L'), mo('='), row(['munder', mo('∑'), mi('g')], sub(mi('L'), mi('g')))),
      row(sub(mi('ĝ'), mi('g')), mo('='), row(mo('('), sub(mo('∇'), sub(mi('z'), mi('g'))), sub(mi('L'), mi('g')), mo('·'), sub(mi('u'), mi('g')), mo(')')), sub(mi('u'), mi('g'))),
      update(row(sub(mi('ĝ'), mi('g')), subsup(mi('h'), row(mi('l'), mo('−'), mn('1')), mo('⊤')))),
    ],
    watch: 'The cosine to the (local) true gradient is the highest of the forward-gradient rules; accuracy gets closest to backprop.',
    cite: { authors: 'Mengye Ren, Simon Kornblith, Renjie Liao, Geoffrey Hinton', year: 2023, title: 'Scaling Forward Gradient With Local Losses', venue: 'ICLR 2023, arXiv:2210.03310', url: 'https://arxiv.org/abs/2210.03310' },
  },
  bp: {
    idea: [
      'Run the network forward and measure the error at the output.',
      'Send the error backwards through every layer with the chain rule, which gives the exact gradient of every weight.',
      'Step every weight against its gradient: the baseline every other rule is compared with.',
    ],
    formula: [
      row(sub(mi('δ'), mi('L')), mo('='), sub(mo('∇'), sub(mi('z'), mi('L'))), mi('L')),
      row(sub(mi('δ'), mi('l')), mo('='), row(mo('('), subsup(mi('W'), row(mi('l'), mo('+'), mn('1')), mo('⊤')), sub(mi('δ'), row(mi('l'), mo('+'), mn('1'))), mo(')')),
        mo('⊙'), mi('f'), mo('′'), row(mo('('), sub(mi('z'), mi('l')), mo(')'))),
      update(row(sub(mi('δ'), mi('l')), subsup(mi('h'), row(mi('l'), mo('−'), mn('1')), mo('⊤')))),
    ],
    watch: 'The loss drops fastest per example seen; the accuracy curve is the bar the other rules aim for.',
    cite: { authors: 'David E. Rumelhart, Geoffrey E. Hinton, Ronald J. Williams', year: 1986, title: 'Learning representations by back-propagating errors', venue: 'Nature 323, 533–536', url: 'https://doi.org/10.1038/323533a0' },
  },
};

const MATHML = 'http://www.w3.org/1998/Math/MathML';
const MATH_TAGS = new Set(['math', 'mrow', 'mi', 'mo', 'mn', 'msub', 'msup', 'msubsup', 'mfrac', 'munder']);

// Builds a <math display="block"> element from a formula tree (DOM APIs only; text as text).
export function mathElement(doc, tree) {
  const build = (node) => {
    if (typeof node === 'string') return doc.createTextNode(node);
    const [tag, ...children] = node;
    if (!MATH_TAGS.has(tag)) throw new Error(`unknown MathML tag ${tag}`);
    const e = doc.createElementNS(MATHML, tag);
    for (const c of children) e.appendChild(build(c));
    return e;
  };
  const math = doc.createElementNS(MATHML, 'math');
  math.setAttribute('display', 'block');
  math.appendChild(build(tree));
  return math;
}

// The formula as plain text (its accessible name and the unit tests' view of it).
export function mathText(tree) {
  if (typeof tree === 'string') return tree;
  const [tag, ...children] = tree;
  const parts = children.map(mathText);
  if (tag === 'msub') return `${parts[0]}_${parts[1]}`;
  if (tag === 'msup') return `${parts[0]}^${parts[1]}`;
  if (tag === 'msubsup') return `${parts[0]}_${parts[1]}^${parts[2]}`;
  if (tag === 'mfrac') return `(${parts[0]})/(${parts[1]})`;
  return parts.join(tag === 'mrow' ? ' ' : '');
}

export function citationText(c) {
  return `${c.authors} (${c.year}). ${c.title}. ${c.venue}.`;
}
