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
