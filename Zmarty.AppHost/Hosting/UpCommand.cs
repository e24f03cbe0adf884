using System.Runtime.InteropServices;

namespace Zmarty.AppHost.Hosting;

/// <summary><c>./zmarty up</c>: start everything, print the table, run until Ctrl+C or SIGTERM, stop everything.</summary>
internal static class UpCommand
{
    public static async Task<int> RunAsync(DistributedApplication app)
    {
        using var stopping = new CancellationTokenSource();
        // The children lead sessions of their own, so a terminal's Ctrl+C reaches this process alone
        // and the stop goes in order: services, then databases.
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        await using (app)
        {
            try
            {
                await app.StartAsync(stopping.Token);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                Console.WriteLine("Stopped before the start finished; everything started has been stopped.");
                return 130;
            }

            Console.WriteLine();
            Console.Write(ResourceTable.Render(app.Resources));
            Console.WriteLine();
            if (app.DashboardLoginUrl is { } login)
            {
                Console.WriteLine($"Dashboard: {login} (this link logs a browser in, once)");
            }

            Console.WriteLine($"Zmarty is healthy after {app.StartupDuration.TotalSeconds:0.0} s. " +
                "Secrets and endpoints: ./zmarty env. Press Ctrl+C to stop.");
            try
            {
                await Task.Delay(Timeout.Infinite, stopping.Token);
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine("Stopping...");
            }
        }

        Console.WriteLine("Stopped.");
        return 0;

        void Stop(PosixSignalContext context)
        {
            // Handled here: the process must outlive the signal long enough to stop its children.
            context.Cancel = true;
            stopping.Cancel();
        }
    }
}
