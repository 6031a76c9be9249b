"""Training tools: gradient-descent experiments, optimizers, data sets and the training loop."""
