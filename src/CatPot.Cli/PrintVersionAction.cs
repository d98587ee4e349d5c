using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;

namespace CatPot.Cli;

/// <summary>
/// <c>catpot --version</c>: prints CatPot's informational version (version + commit). Replaces the parser's
/// default, which reports the entry assembly and so prints the test host's version when run in-process.
/// </summary>
public sealed class PrintVersionAction : SynchronousCommandLineAction
{
    /// <summary>The version string printed.</summary>
    public static string Version { get; } =
        typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Program).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <inheritdoc/>
    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.WriteLine(Version);
        return ExitCodes.Ok;
    }
}
