using System.CommandLine;

namespace CatPot.Cli;

/// <summary>
/// The positional argument every command that reads structures uses: one or more paths accepted by
/// <see cref="CatPot.IO.StructureFiles"/> (files, directories of shards, <c>sample:train|val|test</c>).
/// </summary>
public static class StructureSourceArgument
{
    /// <summary>Describes the accepted paths in help texts.</summary>
    public const string Description =
        "Structure files: .extxyz/.xyz (optionally .gz), .aselmdb, a directory of .aselmdb shards, or sample:train|val|test.";

    /// <summary>Creates the argument (one or more paths).</summary>
    public static Argument<string[]> CreateMany(string name = "files") => WithUnknownOptionCheck(new Argument<string[]>(name)
    {
        Description = Description,
        Arity = ArgumentArity.OneOrMore,
    });

    /// <summary>
    /// The parser hands an unknown <c>--option</c> to a positional argument as a value; rejecting values that look
    /// like options (and are not existing paths) turns that into the usage error it is.
    /// </summary>
    private static Argument<string[]> WithUnknownOptionCheck(Argument<string[]> argument)
    {
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                string value = token.Value;
                if (value.Length > 1 && value[0] == '-' && !File.Exists(value) && !Directory.Exists(value))
                    result.AddError($"Unrecognized option '{value}'.");
            }
        });
        return argument;
    }
}
