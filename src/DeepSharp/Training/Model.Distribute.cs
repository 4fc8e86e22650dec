using DeepSharp.Distributed;

namespace DeepSharp.Training;

public partial class Model
{
    /// <summary>The data-parallel strategy every Fit of this model trains with (null: one process, as usual).</summary>
    public DistributedStrategy? DistributeStrategy { get; private set; }

    /// <summary>
    /// Trains every later Fit data-parallel over <paramref name="strategy"/>'s ranks (Keras's
    /// <c>MultiWorkerMirroredStrategy</c>): at the start of Fit rank 0's weights, optimizer state,
    /// random generators and data order are broadcast, and the models are checked to match; each
    /// rank then trains on its share of every global batch (the batch size Fit is given), gradients
    /// are combined before each update, and the loss and metrics in the logs are the global ones.
    /// Only rank 0 prints progress; write files only where <see cref="DistributedStrategy.IsChief"/>.
    /// A rank that throws during Fit aborts the whole job (MPI_Abort) with its message. Null turns it off.
    /// See docs/distributed.md for what is deterministic.
    /// </summary>
    /// <param name="strategy">The ranks and the reduction; <see cref="DistributedStrategy.FromEnvironment"/> reads how the process was launched.</param>
    public void Distribute(DistributedStrategy? strategy) => DistributeStrategy = strategy;
}
