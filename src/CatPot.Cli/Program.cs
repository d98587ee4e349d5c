namespace CatPot.Cli;

/// <summary>Entry point of the <c>catpot</c> command.</summary>
public static class Program
{
    /// <summary>Runs the command line.</summary>
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("catpot: no commands yet");
        return args.Length == 0 ? 0 : 1;
    }
}
