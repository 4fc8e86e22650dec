using DeepSharp.DistributedHost;

// The program tests/DeepSharp.Tests/Distributed launches under `mpiexec -n N` (see HostArguments).
return HostCommands.Run(args);
