namespace Unlearning.Host;

/// <summary>The exit codes scripts can rely on (README and docs/cli.md list them).</summary>
public static class ExitCodes
{
    /// <summary>Everything asked for was done.</summary>
    public const int Success = 0;

    /// <summary>The run started but failed (a stage crashed, or a write failed: a full disk).</summary>
    public const int RunFailed = 1;

    /// <summary>Bad input: arguments, configuration, data, checkpoint or Parquet file. Nothing was run.</summary>
    public const int BadInput = 2;

    /// <summary>The run folder is in use by another live unlearn process (its lock); nothing was touched.</summary>
    public const int Locked = 3;

    /// <summary>Interrupted (Ctrl+C); finished work is kept and a rerun resumes.</summary>
    public const int Interrupted = 130;
}
