using System.Text;

namespace DeepSharp.Distributed;

/// <summary>
/// Checked calls into <see cref="MpiNative"/>: the one place where MPI's return codes become
/// exceptions (<see cref="MpiException"/>, carrying MPI's own error string). Communicators call
/// MPI only through here.
/// </summary>
internal static unsafe class Mpi
{
    /// <summary>Throws <see cref="MpiException"/> when <paramref name="code"/> is not MPI_SUCCESS.</summary>
    /// <exception cref="MpiException"><paramref name="code"/> is an error.</exception>
    public static void Check(int code, string function)
    {
        if (code != MpiNative.Success) throw new MpiException(function, code, ErrorString(code));
    }

    /// <summary>MPI's text for an error code (<c>MPI_Error_string</c>).</summary>
    public static string ErrorString(int code)
    {
        byte* text = stackalloc byte[MpiNative.MaxErrorString];
        int length = 0;
        int rc = MpiNative.ErrorString(code, text, &length);
        if (rc != MpiNative.Success) return $"(MPI_Error_string returned {rc} for this code)";
        return Encoding.ASCII.GetString(text, Math.Clamp(length, 0, MpiNative.MaxErrorString)).TrimEnd('\0', ' ', '\n');
    }

    /// <summary>The library's own version text (<c>MPI_Get_library_version</c>), e.g. "MPICH Version: 4.0.2 ...".</summary>
    public static string LibraryVersion()
    {
        var text = new byte[MpiNative.MaxLibraryVersionString];
        int length = 0;
        fixed (byte* p = text) Check(MpiNative.GetLibraryVersion(p, &length), "MPI_Get_library_version");
        return Encoding.ASCII.GetString(text, 0, Math.Clamp(length, 0, text.Length)).TrimEnd('\0', ' ', '\n');
    }

    public static bool Initialized()
    {
        int flag;
        Check(MpiNative.Initialized(&flag), "MPI_Initialized");
        return flag != 0;
    }

    public static bool Finalized()
    {
        int flag;
        Check(MpiNative.Finalized(&flag), "MPI_Finalized");
        return flag != 0;
    }

    /// <summary>MPI_Init_thread asking for MPI_THREAD_SERIALIZED (calls from any thread, one at a time).</summary>
    /// <exception cref="MpiException">Initialisation failed or the library gives less than serialized threading.</exception>
    public static void InitSerialized()
    {
        int provided;
        Check(MpiNative.InitThread(null, null, MpiNative.ThreadSerialized, &provided), "MPI_Init_thread");
        if (provided < MpiNative.ThreadSerialized)
            throw new MpiException("MPI_Init_thread", 0, $"the library provides thread level {provided}; DeepSharp needs MPI_THREAD_SERIALIZED ({MpiNative.ThreadSerialized}).");
    }

    public static void FinalizeMpi() => Check(MpiNative.FinalizeMpi(), "MPI_Finalize");

    /// <summary>Makes errors on <paramref name="comm"/> return codes instead of aborting (MPI_ERRORS_RETURN).</summary>
    public static void ReturnErrors(int comm) => Check(MpiNative.CommSetErrhandler(comm, MpiNative.ErrorsReturn), "MPI_Comm_set_errhandler");

    public static int Rank(int comm)
    {
        int rank;
        Check(MpiNative.CommRank(comm, &rank), "MPI_Comm_rank");
        return rank;
    }

    public static int Size(int comm)
    {
        int size;
        Check(MpiNative.CommSize(comm, &size), "MPI_Comm_size");
        return size;
    }

    public static void Allreduce(void* send, void* receive, int count, int datatype, int op, int comm) =>
        Check(MpiNative.Allreduce(send, receive, count, datatype, op, comm), "MPI_Allreduce");

    /// <summary>Starts a non-blocking all-reduce and returns its request.</summary>
    public static int Iallreduce(void* send, void* receive, int count, int datatype, int op, int comm)
    {
        int request;
        Check(MpiNative.Iallreduce(send, receive, count, datatype, op, comm, &request), "MPI_Iallreduce");
        return request;
    }

    public static void ReduceScatterBlock(void* send, void* receive, int count, int datatype, int op, int comm) =>
        Check(MpiNative.ReduceScatterBlock(send, receive, count, datatype, op, comm), "MPI_Reduce_scatter_block");

    public static void Allgather(void* send, int sendCount, int sendType, void* receive, int receiveCount, int receiveType, int comm) =>
        Check(MpiNative.Allgather(send, sendCount, sendType, receive, receiveCount, receiveType, comm), "MPI_Allgather");

    /// <summary>Starts a non-blocking all-gather and returns its request.</summary>
    public static int Iallgather(void* send, int sendCount, int sendType, void* receive, int receiveCount, int receiveType, int comm)
    {
        int request;
        Check(MpiNative.Iallgather(send, sendCount, sendType, receive, receiveCount, receiveType, comm, &request), "MPI_Iallgather");
        return request;
    }

    /// <summary>Starts a non-blocking all-gather of blocks of different sizes and returns its request.</summary>
    public static int Iallgatherv(void* send, int sendCount, int sendType, void* receive, int* receiveCounts, int* displacements, int receiveType, int comm)
    {
        int request;
        Check(MpiNative.Iallgatherv(send, sendCount, sendType, receive, receiveCounts, displacements, receiveType, comm, &request), "MPI_Iallgatherv");
        return request;
    }

    /// <summary>Starts a non-blocking all-to-all of blocks of different sizes and returns its request.</summary>
    public static int Ialltoallv(void* send, int* sendCounts, int* sendDisplacements, int sendType, void* receive, int* receiveCounts, int* receiveDisplacements, int receiveType, int comm)
    {
        int request;
        Check(MpiNative.Ialltoallv(send, sendCounts, sendDisplacements, sendType, receive, receiveCounts, receiveDisplacements, receiveType, comm, &request), "MPI_Ialltoallv");
        return request;
    }

    public static void Gather(void* send, int sendCount, int sendType, void* receive, int receiveCount, int receiveType, int root, int comm) =>
        Check(MpiNative.Gather(send, sendCount, sendType, receive, receiveCount, receiveType, root, comm), "MPI_Gather");

    public static void Bcast(void* buffer, int count, int datatype, int root, int comm) =>
        Check(MpiNative.Bcast(buffer, count, datatype, root, comm), "MPI_Bcast");

    /// <summary>Waits for a request; it becomes MPI_REQUEST_NULL.</summary>
    public static void Wait(ref int request)
    {
        fixed (int* r = &request) Check(MpiNative.Wait(r, MpiNative.StatusIgnore), "MPI_Wait");
    }

    /// <summary>Whether a request has completed (it then becomes MPI_REQUEST_NULL); drives MPI's progress.</summary>
    public static bool Test(ref int request)
    {
        int flag;
        fixed (int* r = &request) Check(MpiNative.Test(r, &flag, MpiNative.StatusIgnore), "MPI_Test");
        return flag != 0;
    }

    public static void Barrier(int comm) => Check(MpiNative.Barrier(comm), "MPI_Barrier");

    /// <summary>Ends every process of <paramref name="comm"/>'s job with <paramref name="code"/> (does not return when MPI works).</summary>
    public static void Abort(int comm, int code) => Check(MpiNative.Abort(comm, code), "MPI_Abort");
}
