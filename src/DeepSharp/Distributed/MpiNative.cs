using System.Reflection;
using System.Runtime.InteropServices;

namespace DeepSharp.Distributed;

/// <summary>
/// The MPI functions DeepSharp calls, through MPICH's ABI (MPICH, Intel MPI, MVAPICH and Cray
/// MPICH share it): handles are <c>int</c>s whose values come from <c>mpi.h</c> of Debian's
/// <c>libmpich-dev</c> (MPICH 4.0.2). The library is loaded by its SONAME, <c>libmpich.so.12</c>,
/// the first time a function here is called: a process that never asks for MPI never loads it.
/// Every function returns MPI's error code; <see cref="Mpi"/> checks them all in one place.
/// </summary>
internal static unsafe partial class MpiNative
{
    /// <summary>The SONAME of MPICH's ABI.</summary>
    public const string LibraryName = "libmpich.so.12";

    // Handles and constants of MPICH's ABI (mpi.h).
    public const int Success = 0;                       // MPI_SUCCESS
    public const int CommWorld = 0x44000000;            // MPI_COMM_WORLD
    public const int Byte = 0x4c00010d;                 // MPI_BYTE
    public const int Int = 0x4c000405;                  // MPI_INT
    public const int Float = 0x4c00040a;                // MPI_FLOAT
    public const int Double = 0x4c00080b;               // MPI_DOUBLE
    public const int Sum = 0x58000003;                  // MPI_SUM
    public const int ErrorsReturn = 0x54000001;         // MPI_ERRORS_RETURN
    public const int RequestNull = 0x2c000000;          // MPI_REQUEST_NULL
    public const int ThreadSerialized = 2;              // MPI_THREAD_SERIALIZED
    public const int MaxErrorString = 512;              // MPI_MAX_ERROR_STRING
    public const int MaxLibraryVersionString = 8192;    // MPI_MAX_LIBRARY_VERSION_STRING
    public static readonly void* InPlace = (void*)-1;   // MPI_IN_PLACE
    public static readonly void* StatusIgnore = (void*)1; // MPI_STATUS_IGNORE

    private static nint _handle;

    static MpiNative() => NativeLibrary.SetDllImportResolver(typeof(MpiNative).Assembly, Resolve);

    /// <summary>Loads the library, or throws the one line that says what to install.</summary>
    /// <exception cref="MpiUnavailableException">libmpich.so.12 cannot be loaded.</exception>
    public static void EnsureLoaded()
    {
        if (_handle != 0) return;
        if (!NativeLibrary.TryLoad(LibraryName, out _handle))
            throw new MpiUnavailableException($"MPI is not available: {LibraryName} (MPICH) could not be loaded; install it with `apt-get install mpich` (Debian/Ubuntu) and launch with `mpiexec -n N`.");
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != LibraryName) return 0; // not ours: the runtime's default search
        EnsureLoaded();
        return _handle;
    }

    [LibraryImport(LibraryName, EntryPoint = "MPI_Init_thread")]
    public static partial int InitThread(int* argc, byte*** argv, int required, int* provided);

    [LibraryImport(LibraryName, EntryPoint = "MPI_Initialized")]
    public static partial int Initialized(int* flag);

    [LibraryImport(LibraryName, EntryPoint = "MPI_Finalized")]
    public static partial int Finalized(int* flag);

    [LibraryImport(LibraryName, EntryPoint = "MPI_Finalize")]
    public static partial int FinalizeMpi();

    [LibraryImport(LibraryName, EntryPoint = "MPI_Comm_set_errhandler")]
    public static partial int CommSetErrhandler(int comm, int errhandler);

    [LibraryImport(LibraryName, EntryPoint = "MPI_Comm_rank")]
    public static partial int CommRank(int comm, int* rank);

    [LibraryImport(LibraryName, EntryPoint = "MPI_Comm_size")]
    public static partial int CommSize(int comm, int* size);

    [LibraryImport(LibraryName, EntryPoint = "MPI_Allreduce")]
    public static partial int Allreduce(void* sendbuf, void* recvbuf, int count, int datatype, int op, int comm);

    [LibraryImport(LibraryName, EntryPoint = "MPI_Iallreduce")]
    public static partial int Iallreduce(void* sendbuf, void* recvbuf, int count, int datatype, int op, int comm, int* request);

    [LibraryImport(LibraryName, EntryPoint = "MPI_Reduce_scatter_block")]
    public static partial int ReduceScatterBlock(void* sendbuf, void* recvbuf, int recvcount, int datatype, int op, int comm);

    [LibraryImport(LibraryName, EntryPoint = "MPI_Allgather")]
    public static partial int Allgather(void* sendbuf, int sendcount, int sendtype, void* recvbuf, int recvcount, int recvtype, int comm);

    [LibraryImport(LibraryName, EntryPoint = "MPI_Iallgather")]
    public static partial int Iallgather(void* sendbuf, int sendcount, int sendtype, void* recvbuf, int recvcount, int recvtype, int comm, int* request);

    [LibraryImport(LibraryName, EntryPoint = "MPI_Iallgatherv")]
    public static partial int Iallgatherv(void* sendbuf, int sendcount, int sendtype, void* recvbuf, int* recvcounts, int* displs, int recvtype, int comm, int* request);

    [LibraryImport(LibraryName, EntryPoint = "MPI_Ialltoallv")]
    public static partial int Ialltoallv(void* sendbuf, int* sendcounts, int* sdispls, int sendtype, void* recvbuf, int* recvcounts, int* rdispls, int recvtype, int comm, int* request);

    [LibraryImport(LibraryName, EntryPoint = "MPI_Gather")]
    public static partial int Gather(void* sendbuf, int sendcount, int sendtype, void* recvbuf, int recvcount, int recvtype, int root, int comm);

    [LibraryImport(LibraryName, EntryPoint = "MPI_Bcast")]
    public static partial int Bcast(void* buffer, int count, int datatype, int root, int comm);

    [LibraryImport(LibraryName, EntryPoint = "MPI_Wait")]
    public static partial int Wait(int* request, void* status);

    [LibraryImport(LibraryName, EntryPoint = "MPI_Test")]
    public static partial int Test(int* request, int* flag, void* status);

    [LibraryImport(LibraryName, EntryPoint = "MPI_Barrier")]
    public static partial int Barrier(int comm);

    [LibraryImport(LibraryName, EntryPoint = "MPI_Abort")]
    public static partial int Abort(int comm, int errorcode);

    [LibraryImport(LibraryName, EntryPoint = "MPI_Get_library_version")]
    public static partial int GetLibraryVersion(byte* version, int* resultlen);

    [LibraryImport(LibraryName, EntryPoint = "MPI_Error_string")]
    public static partial int ErrorString(int errorcode, byte* text, int* resultlen);
}
