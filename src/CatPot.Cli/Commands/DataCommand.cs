using System.CommandLine;

namespace CatPot.Cli.Commands;

/// <summary><c>catpot data …</c>: commands that inspect datasets.</summary>
public static class DataCommand
{
    /// <summary>Creates the <c>data</c> command group.</summary>
    public static Command Create() => new("data", "Inspect structure datasets (extxyz, aselmdb, built-in sample).")
    {
        DataInfoCommand.Create(),
    };
}
