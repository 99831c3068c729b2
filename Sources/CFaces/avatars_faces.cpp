#include "avatars_faces.h"

#include <memory>
#include <mutex>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/core/ocl.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

// A CascadeClassifier keeps working buffers between calls, so calls on one must not overlap:
// each copy has its own lock, and there is a copy per thread that may detect at once.
struct avatars_cascade {
    cv::CascadeClassifier classifier;
    std::mutex turn;
};

struct avatars_faces {
    std::vector<std::unique_ptr<avatars_cascade>> copies;
};

extern "C" avatars_faces *avatars_faces_load(const char *path, int copies) {
    if (copies < 1)
        return nullptr;
    try {
        // Detection is one step of an upload on a render thread; OpenCV's own pool would
        // take the other cores from the renders.
        cv::setNumThreads(0);
        // Nor a GPU through OpenCL, which would make detections depend on the machine.
        cv::ocl::setUseOpenCL(false);
        auto detector = std::make_unique<avatars_faces>();
        for (int i = 0; i < copies; i++) {
            auto copy = std::make_unique<avatars_cascade>();
            if (!copy->classifier.load(path) || copy->classifier.empty())
                return nullptr;
            detector->copies.push_back(std::move(copy));
        }
        return detector.release();
    } catch (...) {
        return nullptr;
    }
}

extern "C" void avatars_faces_free(avatars_faces *detector) {
    delete detector;
}

extern "C" int avatars_faces_detect(avatars_faces *detector, const unsigned char *grey, int width, int height,
    int stride, int min_side, int *boxes, int max) {
    if (!detector || !grey || width <= 0 || height <= 0 || stride < width || max < 0)
        return -1;
    try {
        // A header over the caller's pixels: no copy, and nothing of it outlives this call.
        const cv::Mat image(height, width, CV_8UC1, const_cast<unsigned char *>(grey), static_cast<size_t>(stride));
        cv::Mat equalized;
        cv::equalizeHist(image, equalized);
        std::vector<cv::Rect> faces;
        // A free copy if there is one, else the first, in turn.
        avatars_cascade *chosen = nullptr;
        std::unique_lock<std::mutex> lock;
        for (auto &copy : detector->copies) {
            std::unique_lock<std::mutex> attempt(copy->turn, std::try_to_lock);
            if (attempt.owns_lock()) {
                chosen = copy.get();
                lock = std::move(attempt);
                break;
            }
        }
        if (!chosen) {
            chosen = detector->copies.front().get();
            lock = std::unique_lock<std::mutex>(chosen->turn);
        }
        chosen->classifier.detectMultiScale(equalized, faces, 1.1, 5, 0, cv::Size(min_side, min_side));
        lock.unlock();
        const int found = static_cast<int>(faces.size());
        for (int i = 0; i < found && i < max; i++) {
            boxes[4 * i] = faces[i].x;
            boxes[4 * i + 1] = faces[i].y;
            boxes[4 * i + 2] = faces[i].width;
            boxes[4 * i + 3] = faces[i].height;
        }
        return found;
    } catch (...) {
        return -1;
    }
}
