namespace DeepSharp.Tests.Distributed;

/// <summary>The binding: every MPI call's error code comes back as an MpiException carrying MPI's own error string.</summary>
[Collection("mpi")]
public sealed class MpiBindingTests
{
    [Fact(Timeout = 60_000)]
    public async Task ErrorCodesBecomeExceptionsWithMpisErrorString()
    {
        var result = await MpiJob.Run(1, null, TimeSpan.FromSeconds(30), "errors");
        Assert.True(result.Code == 0, result.All);
        Assert.Contains("library: MPICH Version:", result.Out);
        Assert.Contains("bcast-root: MPI_Bcast failed with MPI error", result.Out);
        Assert.Contains("Invalid root", result.Out);
        Assert.Contains("allgather-count: MPI_Allgather failed", result.Out);
        Assert.Contains("Negative count", result.Out);
        Assert.Contains("iallgather-count: MPI_Iallgather failed with MPI error", result.Out);
        Assert.Contains("ialltoallv-count: MPI_Ialltoallv failed with MPI error", result.Out);
        Assert.Contains("iallgatherv-datatype: MPI_Iallgatherv failed with MPI error", result.Out);
        Assert.Contains("gather-root: MPI_Gather failed with MPI error", result.Out);
        Assert.Contains("bad-communicator: MPI_Barrier failed", result.Out);
        Assert.Contains("Invalid communicator", result.Out);
        Assert.Contains("allreduce-datatype: MPI_Allreduce failed", result.Out);
        Assert.Contains("error string of code 1: Invalid buffer pointer", result.Out);
    }
}
