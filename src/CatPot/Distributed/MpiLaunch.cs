namespace CatPot.Distributed;

/// <summary>
/// Whether this process was started by an MPI launcher (<c>mpirun</c>, <c>mpiexec</c>, <c>srun</c> with PMI/PMIx), from
/// the environment variables launchers set. Nothing is loaded to find out, so a plain run never touches MPI.
/// </summary>
public static class MpiLaunch
{
    private static readonly string[] SizeVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"];
    private static readonly string[] RankVariables = ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"];

    /// <summary>True when a launcher's rank or size variable is set.</summary>
    public static bool IsLaunched => Find(SizeVariables) is not null || Find(RankVariables) is not null;

    /// <summary>The launcher's variables that were found, for messages (e.g. "OMPI_COMM_WORLD_SIZE=2").</summary>
    public static string Describe() =>
        string.Join(", ", SizeVariables.Concat(RankVariables).Where(v => Environment.GetEnvironmentVariable(v) is not null)
            .Select(v => $"{v}={Environment.GetEnvironmentVariable(v)}"));

    /// <summary>The communicator of this process: MPI when launched by an MPI launcher, else <see cref="Communicator.SingleProcess"/>.</summary>
    /// <exception cref="MpiUnavailableException">Launched, but no usable MPI library.</exception>
    public static Communicator Connect(TimeSpan? timeout = null) => IsLaunched ? MpiCommunicator.Initialize(timeout: timeout) : Communicator.SingleProcess;

    private static string? Find(string[] names) => names.Select(Environment.GetEnvironmentVariable).FirstOrDefault(v => v is not null);
}
