// Tests run one at a time: several seed the process-wide RandomGenerator.Global (as a Keras user
// seeds keras.utils.set_random_seed), and the kernels already use both cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
