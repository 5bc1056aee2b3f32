// SPDX-License-Identifier: MIT
#pragma once

#include <QDialog>

namespace lanyard {

// A short tour of what to try against lanyard-lab (shown once at first start, and from Help).
class TourDialog : public QDialog
{
    Q_OBJECT
public:
    explicit TourDialog(QWidget* parent = nullptr);

    // True the first time (per user); marks the tour as seen.
    static bool firstRun();
};

} // namespace lanyard
